/**
 * How an adoption on a branch ends, once, in the store and the ledger: `applied` (the tracked
 * branch's applied revision holds its values), `superseded` (that revision took its commit but
 * holds another value), `withdrawn` (self-heal resumed by hand, or the branch deleted unmerged).
 * The branch's writer (and working copy) is released when no other pending adoption uses it.
 */
import type { AdoptionRecord } from '@trueup/store';
import type { HubDeps } from './deps.ts';

export type AdoptionEnd = 'applied' | 'superseded' | 'withdrawn';

/** The ledger kind of each end; `adoption-resumed` is what an applied adoption was always called. */
export const ADOPTION_END_KINDS: Readonly<Record<AdoptionEnd, string>> = { applied: 'adoption-resumed', superseded: 'adoption-superseded', withdrawn: 'adoption-withdrawn' };

export interface EndOfAdoption {
  state: AdoptionEnd;
  /** The applied revision that held the values or took the commit; '' when withdrawn. */
  revision: string;
  /** Who ended it: the adopter for the hub's own ends, the person who resumed by hand. */
  actor: string;
  /** Why, in words, for the ledger. */
  reason: string;
}

/** Ends a pending adoption; false when another caller (or replica) ended it first. */
export async function endAdoption(deps: HubDeps, adoption: AdoptionRecord, end: EndOfAdoption): Promise<boolean> {
  if (!(await deps.store.adoptions.resolve(adoption.id, end.state, end.revision, deps.now()))) return false;
  await deps.store.ledger.append({
    environment: adoption.environment, application: adoption.application, at: deps.now(), kind: ADOPTION_END_KINDS[end.state], actor: end.actor,
    details: {
      adoption: adoption.id, state: end.state, reason: end.reason, object: adoption.object, branch: adoption.branch, tracked: adoption.tracked, commit: adoption.revision,
      ...(end.revision === '' ? {} : { appliedRevision: end.revision }), fields: adoption.fields.map((f) => f.path),
    },
  });
  await releaseBranch(deps, adoption);
  return true;
}

/** Ends, as withdrawn, the pending adoptions of an application (of one object, when named) whose self-heal a person resumed. */
export async function withdrawByResume(deps: HubDeps, environment: string, application: string, object: string | undefined, actor: string): Promise<void> {
  const pending = await deps.store.adoptions.pending({ environment, application });
  for (const adoption of pending) {
    if (object !== undefined && adoption.object !== object) continue;
    await endAdoption(deps, adoption, { state: 'withdrawn', revision: '', actor, reason: `self-heal of ${adoption.object} was resumed by hand` });
  }
}

/** Closes the branch's writer unless another pending adoption still waits on the same branch. */
async function releaseBranch(deps: HubDeps, adoption: AdoptionRecord): Promise<void> {
  if (deps.gitops === undefined) return;
  const pending = await deps.store.adoptions.pending();
  if (pending.some((a) => a.repoURL === adoption.repoURL && a.branch === adoption.branch)) return;
  await deps.gitops.release(adoption.repoURL, adoption.branch);
}
