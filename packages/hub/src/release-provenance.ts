/**
 * How a release got where it runs, for `release show`: the pipeline run and job that made it (the
 * hub's record of the run), and every agent that applied one of its commits — found by one indexed
 * read of the ledger by commit — with when, the pass's result, and whether (and how healthy) it
 * still runs it. Several agents may follow one stage's branch: each is listed.
 */
import type { ReleaseAppliedView, ReleaseRunView, ReleaseView } from '@trueup/api';
import type { HubDeps } from './deps.ts';
import { sameRevision } from './wait-verdict.ts';

export async function releaseProvenance(deps: HubDeps, view: ReleaseView): Promise<Pick<ReleaseView, 'run' | 'applied'>> {
  const run = view.run === undefined ? undefined : await runView(deps, view.run);
  const stageOf = new Map<string, string>();
  for (const stage of view.stages) if (stage.revision !== undefined) stageOf.set(stage.revision, stage.stage);
  const applied: ReleaseAppliedView[] = [];
  const seen = new Set<string>();
  const current = new Map<string, Promise<{ revision: string; health: string } | undefined>>();
  for (const entry of await deps.store.ledger.syncsOf([...stageOf.keys()])) {
    const revision = String(entry.details.revision);
    const application = entry.application ?? '';
    const key = `${entry.environment}/${application}@${revision}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const appKey = `${entry.environment}/${application}`;
    let now = current.get(appKey);
    if (now === undefined) {
      now = reportedNow(deps, entry.environment, application);
      current.set(appKey, now);
    }
    const reported = await now;
    const runsNow = reported !== undefined && sameRevision(reported.revision, revision);
    const stage = stageOf.get(revision);
    applied.push({
      environment: entry.environment, application, revision, ...(stage === undefined ? {} : { stage }), at: entry.at,
      result: typeof entry.details.result === 'string' ? entry.details.result : 'unknown', runsNow, ...(runsNow && reported !== undefined ? { health: reported.health } : {}),
    });
  }
  return { ...(run === undefined ? {} : { run }), applied };
}

async function runView(deps: HubDeps, made: { id: string; job: string }): Promise<ReleaseRunView> {
  const run = await deps.store.runs.get(made.id);
  if (run === undefined) return made;
  return {
    ...made, workflow: run.workflow, repository: run.repository, sha: run.sha, actor: run.actor, status: run.status,
    ...(run.conclusion === undefined ? {} : { conclusion: run.conclusion }),
  };
}

async function reportedNow(deps: HubDeps, environment: string, application: string): Promise<{ revision: string; health: string } | undefined> {
  const found = await deps.store.applications.get(environment, application);
  if (found === undefined) return undefined;
  const applied = typeof found.status.appliedRevision === 'string' && found.status.appliedRevision !== '' ? found.status.appliedRevision : found.summary.revision;
  return { revision: applied, health: found.summary.health };
}
