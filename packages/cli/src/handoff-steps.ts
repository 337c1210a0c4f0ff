/**
 * The hub side of `uses: trueup/gitops-set`, `uses: trueup/wait-healthy` and `uses: trueup/sync` in `trueup run`:
 * the same requests as `trueup gitops set --hub` and `trueup gitops wait`.
 * gitops-set: with repo, file, key, value [ref, document, source, run] → outputs revision, outcome.
 * wait-healthy: with app (ENV/APP), revision [timeout, default 10m] → outputs state; fails with
 * the failing resources and conditions when Degraded, failed or timed out.
 */
import { parseDuration, type GitopsSetResult, type RevisionWaitResult } from '@trueup/api';
import type { HubClient } from '@trueup/hub';
import type { HandoffSteps } from '@trueup/runner';

export function hubHandoffSteps(client: HubClient, runId: string): HandoffSteps {
  return {
    async run(action, withs, { log, signal }) {
      const need = (name: string): string => {
        const value = withs[name] ?? '';
        if (value === '') throw new Error(`trueup/${action}: input "${name}" is required`);
        return value;
      };
      if (action === 'gitops-set') {
        const document = withs.document ?? '';
        if (document !== '' && !/^\d+$/.test(document)) throw new Error(`trueup/gitops-set: "document" must be a document number, not "${document}"`);
        const edit = { file: need('file'), key: need('key'), value: need('value'), ...(document === '' ? {} : { document: Number(document) }) };
        const result = await client.post<GitopsSetResult>('/api/v1/gitops/set', { repoURL: need('repo'), ref: withs.ref || 'main', edits: [edit], source: withs.source || 'trueup/gitops-set', run: withs.run || runId });
        log(result.outcome === 'committed'
          ? `[trueup] committed ${result.revision} (${edit.file} ${edit.key} = ${edit.value}); refreshing ${result.refreshed.map((r) => `${r.environment}/${r.application}`).join(', ') || 'no followers'}`
          : `[trueup] ${edit.file} ${edit.key} is already ${edit.value} at ${result.revision}: nothing to commit`);
        return { revision: result.revision, outcome: result.outcome };
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
      const app = need('app');
      const revision = need('revision');
      const [environment, name] = app.split('/', 2);
      if (environment === undefined || environment === '' || name === undefined || name === '') throw new Error(`trueup/wait-healthy: "app" must be ENV/APP, not "${app}"`);
      const timeoutMs = parseDuration(withs.timeout || '10m');
      if (timeoutMs === undefined) throw new Error(`trueup/wait-healthy: "timeout" must be a duration such as 10m, not "${withs.timeout ?? ''}"`);
      const deadline = Date.now() + timeoutMs;
      const path = `/api/v1/environments/${encodeURIComponent(environment)}/applications/${encodeURIComponent(name)}/wait?revision=${encodeURIComponent(revision)}`;
      let last = '';
      for (;;) {
        if (signal.aborted) throw new Error('trueup/wait-healthy: cancelled');
        const hold = Math.max(0, Math.min(30, Math.ceil((deadline - Date.now()) / 1000)));
        const verdict = await client.get<RevisionWaitResult>(`${path}&timeout=${hold}`);
        if (verdict.reason !== last) log(`[trueup] ${app}: ${verdict.reason}`);
        last = verdict.reason;
        if (verdict.state === 'healthy') return { state: verdict.state, 'applied-revision': verdict.appliedRevision };
        if (verdict.state === 'pending' && Date.now() < deadline) continue;
        const details = [
          ...verdict.failing.map((r) => `${r.kind}/${r.name}: ${r.health}${r.message === '' ? '' : `: ${r.message}`}`),
          ...(verdict.error === undefined ? [] : [`${verdict.error.code}: ${verdict.error.message}`]),
        ];
        throw new Error(`trueup/wait-healthy: ${verdict.state === 'pending' ? `timed out: ${verdict.reason}` : verdict.reason}${details.length === 0 ? '' : ` (${details.join('; ')})`}`);
      }
    },
  };
}
