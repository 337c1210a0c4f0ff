/**
 * The hub side of Trueup's own steps on a joined runner, over the runner's credential and only
 * for the job it runs: `trueup/sync` asks the agent of the job's environment, through the hub,
 * to sync an application and waits for its answer (the runner holds no credential of that
 * environment); `trueup/gitops-set` writes config files of the job's environment through the
 * hub's writer and `trueup/wait-healthy` waits on an application of it (the hub refuses others);
 * deployments and config commits go into the hub's ledger.
 * sync: with application (ENV/APP), revision [full SHA the agent must report], timeout [10m]
 * → outputs revision, sync, health. gitops-set, wait-healthy: see handoff-requests.ts.
 * release: with promotion, values (NAME=VALUE lines) → outputs release, created; the hub records
 * the run and job.
 */
import { parseDuration, releaseStepRequest, type GitopsSetResult, type JobDeploymentRequest, type RevisionWaitResult } from '@trueup/api';
import { gitopsSetStep, waitHealthyStep, type HandoffHub } from './handoff-requests.ts';
import type { HandoffSteps } from './handoff-steps.ts';
import { hubJson, type HubEndpoint } from './hub-request.ts';

interface CommandView {
  id: string;
  state: 'queued' | 'delivered' | 'succeeded' | 'failed';
  result?: { ok: boolean; code?: string; message: string; sync?: string; health?: string; revision?: string };
}

export function hubJobSteps(hub: HubEndpoint, runId: string, jobKey: string): HandoffSteps {
  const base = `/api/v1/runs/${encodeURIComponent(runId)}/jobs/${encodeURIComponent(jobKey)}`;
  const recordDeployment = async (deployment: JobDeploymentRequest): Promise<void> => {
    await hubJson(hub, 'POST', `${base}/deployments`, deployment);
  };
  return {
    recordDeployment,
    async run(action, withs, { log, signal }) {
      const handoff: HandoffHub = {
        gitopsSet: (request) => hubJson<GitopsSetResult>(hub, 'POST', `${base}/gitops-set`, request, signal),
        wait: (application, revision, hold) => hubJson<RevisionWaitResult>(hub, 'GET', `${base}/wait?application=${encodeURIComponent(application)}&revision=${encodeURIComponent(revision)}&timeout=${hold}`, undefined, signal),
      };
      if (action === 'gitops-set') return gitopsSetStep(handoff, withs, log);
      if (action === 'wait-healthy') return waitHealthyStep(handoff, withs, log, signal);
      if (action === 'release') {
        const made = await hubJson<{ created: boolean; release: { id: string } }>(hub, 'POST', `${base}/releases`, releaseStepRequest(withs), signal);
        log(`[trueup] ${made.created ? 'made' : 'already made:'} release ${made.release.id} of run ${runId}/${jobKey}`);
        return { release: made.release.id, created: String(made.created) };
      }
      const application = withs.application ?? '';
      if (!/^[^/]+\/[^/]+$/.test(application)) throw new Error(`trueup/sync: "application" must be ENV/APP, not "${application}"`);
      const revision = withs.revision ?? '';
      if (revision !== '' && !/^[0-9a-f]{40}$/.test(revision)) throw new Error(`trueup/sync: "revision" must be a full commit SHA, not "${revision}"`);
      const timeoutMs = parseDuration(withs.timeout || '10m');
      if (timeoutMs === undefined) throw new Error(`trueup/sync: "timeout" must be a duration such as 10m, not "${withs.timeout ?? ''}"`);
      const deadline = Date.now() + timeoutMs;
      let command = await hubJson<CommandView>(hub, 'POST', `${base}/sync`, { application, wait: 25 }, signal);
      log(`[trueup] asked the agent of ${application.split('/')[0] ?? ''} to sync ${application} (command ${command.id}, ${command.state})`);
      while (command.state !== 'succeeded' && command.state !== 'failed') {
        if (Date.now() >= deadline) throw new Error(`trueup/sync: timed out: the agent did not answer within ${withs.timeout || '10m'} (command ${command.id} is ${command.state})`);
        const hold = Math.max(1, Math.min(25, Math.ceil((deadline - Date.now()) / 1000)));
        command = await hubJson<CommandView>(hub, 'GET', `${base}/commands/${encodeURIComponent(command.id)}?wait=${hold}`, undefined, signal);
      }
      const result = command.result;
      await recordDeployment({ via: 'trueup/sync', target: application, command: command.id, result: command.state, ...(revision === '' ? {} : { revision }) });
      if (command.state === 'failed' || result === undefined) throw new Error(`trueup/sync: the agent failed to sync ${application}: ${result?.code === undefined ? '' : `${result.code}: `}${result?.message ?? 'no result'}`);
      log(`[trueup] ${application}: ${result.message} (${result.sync ?? 'Unknown'}, ${result.health ?? 'Unknown'} at ${result.revision ?? 'unknown revision'})`);
      if (revision !== '' && result.revision !== revision) throw new Error(`trueup/sync: the agent synced ${application} to ${result.revision ?? 'an unknown revision'}, not ${revision}: the revision must be what the environment's Git tracks (Trueup never sends content or a revision to an agent)`);
      return { revision: result.revision ?? '', sync: result.sync ?? '', health: result.health ?? '' };
    },
  };
}
