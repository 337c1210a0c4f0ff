/** `trueup status --hub URL`: applications in every environment the hub sees, `ENV/APP` for one. */
import type { HubClient } from '@trueup/hub';
import type { ApplicationPage, ApplicationSummary } from '@trueup/store';
import type { ApplicationDetailBody, ApplicationStatus } from '@trueup/api';
import { formatTable, printJson, shortSha } from '../output.ts';
import { pausedNote } from './paused-note.ts';

export async function hubStatus(client: HubClient, positionals: readonly string[], format: 'table' | 'json'): Promise<number> {
  if (positionals.length === 1 && positionals[0]?.includes('/') === true) {
    const [environment, name] = (positionals[0] ?? '').split('/', 2);
    const detail = await client.get<ApplicationSummary & ApplicationDetailBody>(`/api/v1/environments/${encodeURIComponent(environment ?? '')}/applications/${encodeURIComponent(name ?? '')}`);
    if (format === 'json') printJson(detail);
    else {
      process.stdout.write(formatTable(['ENVIRONMENT', 'NAME', 'REVISION', 'SYNC', 'HEALTH', 'LAST SYNCED'], [row(detail)]));
      const { revisionInfo, selfHeal } = detail;
      if (revisionInfo !== undefined) process.stdout.write(`commit ${shortSha(revisionInfo.sha)} by ${revisionInfo.author} at ${revisionInfo.authoredAt}: ${revisionInfo.message.split('\n')[0] ?? ''}\n`);
      if (selfHeal !== undefined) process.stdout.write(`${pausedNote(selfHeal as ApplicationStatus['selfHeal']).replace(/; $/, '')}\n`);
    }
    return 0;
  }
  const items: ApplicationSummary[] = [];
  let cursor: string | null = null;
  do {
    const page: ApplicationPage = await client.get(`/api/v1/applications?limit=500&sort=environment${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  const shown = positionals.length === 0 ? items : items.filter((a) => positionals.includes(a.name) || positionals.includes(`${a.environment}/${a.name}`));
  if (format === 'json') {
    printJson({ applications: shown });
    return 0;
  }
  if (shown.length === 0) {
    process.stdout.write('No applications reported to the hub.\n');
    return 0;
  }
  process.stdout.write(formatTable(['ENVIRONMENT', 'NAME', 'REVISION', 'SYNC', 'HEALTH', 'LAST SYNCED'], shown.map(row)));
  return 0;
}

function row(a: ApplicationSummary): string[] {
  return [a.environment, a.name, shortSha(a.revision), a.sync, a.health, a.lastSyncedAt ?? '-'];
}
