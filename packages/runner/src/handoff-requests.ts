/**
 * The inputs, hub requests and outputs of `uses: trueup/gitops-set` and `uses: trueup/wait-healthy`,
 * whoever carries the requests to the hub (`trueup run` with an API token, or a joined runner with
 * its credential, over the job-scoped routes).
 * gitops-set: with repo, file, key, value [ref, document, source] → outputs revision, outcome.
 * wait-healthy: with app (ENV/APP), revision [timeout, default 10m] → outputs state, applied-revision;
 * fails with the failing resources and conditions when Degraded, failed or timed out.
 */
import { parseDuration, type GitopsSetResult, type RevisionWaitResult } from '@trueup/api';

export interface HandoffHub {
  /** Sets the values through the hub's writer of the branch. */
  gitopsSet(request: { repoURL: string; ref: string; edits: { file: string; key: string; value: string; document?: number }[]; source: string }): Promise<GitopsSetResult>;
  /** The hub's verdict on `revision` of ENV/APP, held up to `holdSeconds`. */
  wait(application: string, revision: string, holdSeconds: number): Promise<RevisionWaitResult>;
}

type Log = (line: string) => void;

function required(action: string, withs: Record<string, string>, name: string): string {
  const value = withs[name] ?? '';
  if (value === '') throw new Error(`trueup/${action}: input "${name}" is required`);
  return value;
}

export async function gitopsSetStep(hub: HandoffHub, withs: Record<string, string>, log: Log): Promise<Record<string, string>> {
  const need = (name: string): string => required('gitops-set', withs, name);
  const document = withs.document ?? '';
  if (document !== '' && !/^\d+$/.test(document)) throw new Error(`trueup/gitops-set: "document" must be a document number, not "${document}"`);
  const edit = { file: need('file'), key: need('key'), value: need('value'), ...(document === '' ? {} : { document: Number(document) }) };
  const result = await hub.gitopsSet({ repoURL: need('repo'), ref: withs.ref || 'main', edits: [edit], source: withs.source || 'trueup/gitops-set' });
  log(result.outcome === 'committed'
    ? `[trueup] committed ${result.revision} (${edit.file} ${edit.key} = ${edit.value}); refreshing ${result.refreshed.map((r) => `${r.environment}/${r.application}`).join(', ') || 'no followers'}`
    : `[trueup] ${edit.file} ${edit.key} is already ${edit.value} at ${result.revision}: nothing to commit`);
  return { revision: result.revision, outcome: result.outcome };
}

export async function waitHealthyStep(hub: HandoffHub, withs: Record<string, string>, log: Log, signal: AbortSignal): Promise<Record<string, string>> {
  const app = required('wait-healthy', withs, 'app');
  const revision = required('wait-healthy', withs, 'revision');
  const [environment, name] = app.split('/', 2);
  if (environment === undefined || environment === '' || name === undefined || name === '') throw new Error(`trueup/wait-healthy: "app" must be ENV/APP, not "${app}"`);
  const timeoutMs = parseDuration(withs.timeout || '10m');
  if (timeoutMs === undefined) throw new Error(`trueup/wait-healthy: "timeout" must be a duration such as 10m, not "${withs.timeout ?? ''}"`);
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    if (signal.aborted) throw new Error('trueup/wait-healthy: cancelled');
    const hold = Math.max(0, Math.min(30, Math.ceil((deadline - Date.now()) / 1000)));
    const verdict = await hub.wait(app, revision, hold);
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
}
