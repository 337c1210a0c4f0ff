/**
 * Applications Git no longer declares in their parent (app of apps). The children a parent runs
 * are saved in the state store, so one removed while the agent was down is known as removed at
 * the parent's next render. When its parent prunes and the child asks for it (Flux's
 * deletionPolicy, a HelmRelease's uninstall, Argo CD's resources finalizer), its objects are
 * deleted as a prune would delete them (annotations that forbid a prune are honoured); otherwise
 * they stay and the child is only no longer managed.
 */
import type { AppliedChange } from '@trueup/api';
import { inventoryAfterPass, planPass } from '@trueup/engine';
import { applyPlan } from './apply-plan.ts';
import { AgentErrors } from './errors.ts';
import type { LoadedApplication } from './load-applications.ts';
import type { StateStore } from './state-store.ts';
import { createTarget } from './targets.ts';
import type { GitCache } from '@trueup/git';

/** What is saved of a child: enough to find its objects again (its destination and name). */
type SavedChild = Pick<LoadedApplication, 'application' | 'file' | 'baseDir' | 'declared' | 'pruneWhenRemoved'>;

export function savedChild(child: LoadedApplication): string {
  const { application, file, baseDir, declared, pruneWhenRemoved } = child;
  const saved: SavedChild = { application, file, baseDir, ...(declared === undefined ? {} : { declared }), pruneWhenRemoved: pruneWhenRemoved === true };
  return JSON.stringify(saved);
}

/** A saved child, or undefined when the record cannot be read (then nothing is pruned for it). */
export function loadSavedChild(body: string): LoadedApplication | undefined {
  try {
    const saved = JSON.parse(body) as Partial<SavedChild>;
    if (typeof saved.application?.metadata.name !== 'string' || typeof saved.file !== 'string' || typeof saved.baseDir !== 'string') return undefined;
    return saved as LoadedApplication;
  } catch {
    return undefined;
  }
}

export interface PruneContext {
  stateDir: string;
  store: StateStore;
  git: GitCache;
  watchNamespaces?: readonly string[] | undefined;
}

/**
 * Deletes the objects of a removed child: its inventory (in the cluster and in the agent's state)
 * and the objects labelled as its own. Throws when one could not be deleted: the child stays saved
 * and the prune is tried again at its parent's next render.
 */
export async function pruneRemovedChild(child: LoadedApplication, context: PruneContext, parent: string): Promise<AppliedChange[]> {
  const name = child.application.metadata.name;
  const target = createTarget(child, context.stateDir, context.store, context.git, context.watchNamespaces);
  const startedAt = new Date().toISOString();
  try {
    const inventory = await target.loadInventory([]);
    const live = await target.provider.observe(inventory, new Map());
    const plan = planPass({ desired: [], live });
    const outcome = await applyPlan(target.provider, plan, { prune: true });
    const pruned = outcome.changes.filter((c) => c.action === 'delete' && c.error === undefined).map((c) => c.key);
    await target.saveInventory(inventoryAfterPass(inventory, live, pruned), 'after-pass');
    const [failure] = outcome.failures;
    context.store.appendHistory({
      application: name, revision: '', trigger: 'refresh', result: failure === undefined ? 'Succeeded' : 'Failed', startedAt, finishedAt: new Date().toISOString(),
      changes: outcome.changes, message: `removed from Git in ${parent}: its objects are pruned${plan.kept.length === 0 ? '' : `; kept as their annotation asks: ${plan.kept.map((k) => `${k.key.kind}/${k.key.name}`).join(', ')}`}`,
    });
    if (failure !== undefined) throw AgentErrors.create('AGENT_CHILD_PRUNE_FAILED', `Application "${name}" removed from Git in ${parent}: ${failure.message}`);
    return outcome.changes;
  } finally {
    await target.provider.close();
  }
}
