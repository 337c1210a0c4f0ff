/** `trueup gitops set --hub URL` (or `--data-dir D`): the write goes through the hub's one writer for the branch, which then refreshes the agents following it. */
import type { GitopsSetRequest, GitopsSetResult } from '@trueup/api';
import type { HubClient } from '@trueup/hub';
import { printJson, shortSha, withProgress } from '../output.ts';

export async function gitopsSetViaHub(client: HubClient, request: GitopsSetRequest, json: boolean): Promise<number> {
  const [edit] = request.edits;
  const result = await withProgress(`writing ${edit?.key ?? ''} in ${edit?.file ?? ''} through the hub`, client.post<GitopsSetResult>('/api/v1/gitops/set', request));
  if (json) {
    printJson(result);
    return 0;
  }
  if (result.outcome === 'unchanged') {
    process.stdout.write(`${edit?.file ?? ''} ${edit?.key ?? ''} is already ${edit?.value ?? ''} at ${shortSha(result.revision)} on ${request.ref}: nothing to commit\n`);
    return 0;
  }
  for (const change of result.changes ?? []) process.stdout.write(`${change.file}:${change.line} ${change.key}: ${show(change.from)} → ${show(change.to)}\n`);
  const shared = (result.batchSize ?? 1) > 1 ? ` (one commit with ${(result.batchSize ?? 1) - 1} other hand-offs)` : '';
  process.stdout.write(`committed ${shortSha(result.revision)} to ${request.ref}${shared}; refreshing ${result.refreshed.map((r) => `${r.environment}/${r.application}`).join(', ') || 'no followers'}\n`);
  return 0;
}

function show(value: unknown): string {
  return value === undefined ? '(added)' : typeof value === 'string' ? value : JSON.stringify(value);
}
