/**
 * Explicit rollback by a person: the deployment of an earlier revision of an environment is made
 * again through the same workflow and job that made it (and the jobs it needs), at that commit,
 * as a new run triggered by the person — under the environment's rules like any deploy — and
 * recorded in the ledger. Deployments made by trueup/sync are not rolled back this way: the
 * environment follows its Git, so a rollback there is a revert commit.
 */
import type { JsonValue } from '@trueup/api';
import type { DeploymentRecord, HubStore } from '@trueup/store';
import { resolveInputs } from '@trueup/workflow';
import { HubErrors } from './errors.ts';
import type { PipelineRuns } from './pipeline-runs.ts';

export type RollbackChoice =
  | { ok: true; current: DeploymentRecord; target: DeploymentRecord }
  | { ok: false; reason: string };

const revisionOf = (d: DeploymentRecord): string => (typeof d.details.revision === 'string' ? d.details.revision : '');
const runOf = (d: DeploymentRecord): string => (typeof d.details.run === 'string' ? d.details.run : '');

/**
 * Which deployment to make again, from the environment's deployments (newest first): `to` names
 * a run or a revision (7 or more hex digits); without it, the newest successful deployment of a
 * revision other than the one deployed now.
 */
export function chooseRollback(environment: string, deployments: readonly DeploymentRecord[], to: string | undefined): RollbackChoice {
  const succeeded = deployments.filter((d) => d.details.result === 'succeeded' && revisionOf(d) !== '');
  const current = succeeded[0];
  if (current === undefined) return { ok: false, reason: `no successful deployment of ${environment} is recorded` };
  const target = to === undefined
    ? succeeded.find((d) => revisionOf(d) !== revisionOf(current))
    : succeeded.find((d) => runOf(d) === to || (/^[0-9a-f]{7,40}$/.test(to) && revisionOf(d).startsWith(to)));
  if (target === undefined) {
    return { ok: false, reason: to === undefined ? `${environment} has no earlier successful deployment of another revision than ${revisionOf(current)}` : `no successful deployment of ${environment} by run or revision "${to}"` };
  }
  if (target.details.via === 'trueup/sync') return { ok: false, reason: `${revisionOf(target)} reached ${environment} through trueup/sync: the environment follows its Git, so roll back with a revert commit there` };
  return { ok: true, current, target };
}

export async function rollback(deps: { store: HubStore; runs: PipelineRuns; now: () => number }, environment: string, to: string | undefined, actor: string): Promise<{ run: string; from: string; to: string; of: string }> {
  const choice = chooseRollback(environment, await deps.store.deployments.list(environment, 500), to);
  if (!choice.ok) throw HubErrors.create('HUB_CONFLICT', choice.reason);
  const { current, target } = choice;
  const of = runOf(target);
  const original = await deps.store.runs.get(of);
  if (original === undefined) throw HubErrors.create('HUB_CONFLICT', `run ${of}, which deployed ${revisionOf(target)} to ${environment}, is no longer recorded`);
  const sha = revisionOf(target);
  const { workflow } = await deps.runs.workflowAt(original.repository, sha, original.workflow);
  const event = original.event === 'push' || original.event === 'schedule' ? original.event : 'workflow_dispatch';
  let inputs: Record<string, JsonValue> = {};
  if (event === 'workflow_dispatch') inputs = resolveInputs(workflow.file, workflow.on.workflowDispatch?.inputs ?? {}, {});
  const job = typeof target.details.job === 'string' ? target.details.job : '';
  const started = await deps.runs.start(workflow, { repository: original.repository, ref: original.ref, sha, event, inputs, actor, rollback: { environment, job, of } });
  await deps.store.ledger.append({ environment, at: deps.now(), kind: 'rollback-requested', actor, details: { from: revisionOf(current), to: sha, run: started.id, of, job } });
  return { run: started.id, from: revisionOf(current), to: sha, of };
}
