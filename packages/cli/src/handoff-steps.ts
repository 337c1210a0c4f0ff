/**
 * The hub side of `uses: trueup/gitops-set`, `uses: trueup/wait-healthy`, `uses: trueup/sync` and
 * `uses: trueup/release` (a release whose origin names the local run) in `trueup run`:
 * the same requests as `trueup gitops set --hub` and `trueup gitops wait` (inputs and outputs:
 * see @trueup/runner's handoff-requests); gitops-set also takes `run` for the Trueup-Run trailer.
 */
import { releaseStepRequest, type GitopsSetResult, type RevisionWaitResult } from '@trueup/api';
import type { HubClient } from '@trueup/hub';
import { gitopsSetStep, waitHealthyStep, type HandoffHub, type HandoffSteps } from '@trueup/runner';

export function hubHandoffSteps(client: HubClient, runId: string): HandoffSteps {
  return {
    async run(action, withs, { log, signal }) {
      const need = (name: string): string => {
        const value = withs[name] ?? '';
        if (value === '') throw new Error(`trueup/${action}: input "${name}" is required`);
        return value;
      };
      const hub: HandoffHub = {
        gitopsSet: (request) => client.post<GitopsSetResult>('/api/v1/gitops/set', { ...request, run: withs.run || runId }),
        wait: (application, revision, hold) => {
          const [environment = '', name = ''] = application.split('/', 2);
          return client.get<RevisionWaitResult>(`/api/v1/environments/${encodeURIComponent(environment)}/applications/${encodeURIComponent(name)}/wait?revision=${encodeURIComponent(revision)}&timeout=${hold}`);
        },
      };
      if (action === 'gitops-set') return gitopsSetStep(hub, withs, log);
      if (action === 'release') {
        const made = await client.post<{ created: boolean; release: { id: string } }>('/api/v1/releases', { ...releaseStepRequest(withs), origin: `run ${runId}` });
        log(`[trueup] ${made.created ? 'made' : 'already made:'} release ${made.release.id}`);
        return { release: made.release.id, created: String(made.created) };
      }
      if (action === 'sync') {
        const [environment = '', name = ''] = need('application').split('/');
        if (environment === '' || name === '') throw new Error(`trueup/sync: "application" must be ENV/APP, not "${withs.application ?? ''}"`);
        const command = await client.post<{ state: string; result?: { ok: boolean; code?: string; message: string; sync?: string; health?: string; revision?: string } }>(`/api/v1/environments/${encodeURIComponent(environment)}/applications/${encodeURIComponent(name)}/sync?wait=true&timeout=60`, {});
        const result = command.result;
        if (result === undefined) throw new Error(`trueup/sync: the agent of ${environment} did not answer (command ${command.state})`);
        if (!result.ok) throw new Error(`trueup/sync: the agent failed to sync ${environment}/${name}: ${result.code === undefined ? '' : `${result.code}: `}${result.message}`);
        log(`[trueup] ${environment}/${name}: ${result.message} (${result.sync ?? 'Unknown'}, ${result.health ?? 'Unknown'} at ${result.revision ?? 'unknown revision'})`);
        if ((withs.revision ?? '') !== '' && result.revision !== withs.revision) throw new Error(`trueup/sync: the agent synced ${environment}/${name} to ${result.revision ?? 'an unknown revision'}, not ${withs.revision ?? ''}`);
        return { revision: result.revision ?? '', sync: result.sync ?? '', health: result.health ?? '' };
      }
      return waitHealthyStep(hub, withs, log, signal);
    },
  };
}
