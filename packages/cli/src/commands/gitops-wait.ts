/**
 * `trueup gitops wait --app ENV/APP --revision SHA [--timeout 10m]`: returns once the agent
 * reports the revision applied and Healthy (exit 0); fails with the failing resources and the
 * agent's conditions when it is Degraded or the pass failed (exit 1), or when the time is up
 * (exit 3). Each request is held by the hub until something changes: no polling.
 */
import { parseDuration, type RevisionWaitResult } from '@trueup/api';
import type { HubClient } from '@trueup/hub';
import { printJson } from '../output.ts';

export const WAIT_USAGE = 'trueup gitops wait --app ENV/APP --revision SHA [--timeout 10m] [--hub URL | --data-dir D] [-o json]';
const HOLD_S = 30;

export async function gitopsWait(client: HubClient, options: { app: string; revision: string; timeout?: string | undefined; json: boolean }): Promise<number> {
  const [environment, name] = options.app.split('/', 2);
  if (environment === undefined || environment === '' || name === undefined || name === '') throw new Error(`--app must name the application as ENV/APP: usage: ${WAIT_USAGE}`);
  if (!/^[0-9a-fA-F]{7,64}$/.test(options.revision)) throw new Error(`--revision must be a commit SHA (7 to 64 hex digits), not "${options.revision}"`);
  const timeoutMs = options.timeout === undefined ? 10 * 60_000 : parseDuration(options.timeout);
  if (timeoutMs === undefined) throw new Error(`--timeout must be a duration such as 90s or 10m, not "${options.timeout}"`);
  const deadline = Date.now() + timeoutMs;
  const path = `/api/v1/environments/${encodeURIComponent(environment)}/applications/${encodeURIComponent(name)}/wait`;
  let last = '';
  for (;;) {
    const hold = Math.max(0, Math.min(HOLD_S, Math.ceil((deadline - Date.now()) / 1000)));
    const verdict = await client.get<RevisionWaitResult>(`${path}?revision=${options.revision}&timeout=${hold}`);
    if (verdict.state === 'pending' && Date.now() < deadline) {
      if (!options.json && verdict.reason !== last) process.stderr.write(`${environment}/${name}: ${verdict.reason}\n`);
      last = verdict.reason;
      continue;
    }
    if (options.json) printJson({ application: `${environment}/${name}`, ...verdict, ...(verdict.state === 'pending' ? { timedOut: true } : {}) });
    else report(`${environment}/${name}`, verdict, options.timeout ?? '10m');
    return verdict.state === 'healthy' ? 0 : verdict.state === 'pending' ? 3 : 1;
  }
}

function report(app: string, verdict: RevisionWaitResult, timeout: string): void {
  if (verdict.state === 'healthy') {
    process.stdout.write(`${app}: ${verdict.reason}\n`);
    return;
  }
  const lines = [verdict.state === 'pending' ? `${app}: timed out after ${timeout}: ${verdict.reason}` : `${app}: ${verdict.reason}`];
  if (verdict.error !== undefined) lines.push(`  error ${verdict.error.code}${verdict.error.file === undefined ? '' : ` at ${verdict.error.file}${verdict.error.line === undefined ? '' : `:${verdict.error.line}`}`}: ${verdict.error.message}`);
  for (const resource of verdict.failing) lines.push(`  ${resource.namespace === undefined ? '' : `${resource.namespace}/`}${resource.kind}/${resource.name}: ${resource.health}${resource.message === '' ? '' : `: ${resource.message}`}`);
  for (const condition of verdict.conditions) lines.push(`  condition ${condition.type}=${condition.status} ${condition.reason}${condition.message === '' ? '' : `: ${condition.message}`}`);
  process.stderr.write(`${lines.join('\n')}\n`);
}
