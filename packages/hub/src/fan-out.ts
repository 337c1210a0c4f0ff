/** Tells every application following a pushed repository and ref to refresh, through its agent's link. */
import { refFollows, repoKey, type LinkCommand } from '@trueup/api';
import type { HubDeps } from './deps.ts';
import { randomIds } from './secrets.ts';

export interface Refreshed {
  environment: string;
  application: string;
  command: string;
}

export interface Push {
  repoURLs: readonly string[];
  ref: string;
  defaultBranch?: string | undefined;
}

/**
 * Persists one `refresh` per following application, all in one transaction, then sends them:
 * each agent's commands in one write on its link.
 * `skipAt`: applications that already report this revision are left alone (the hub's poll).
 */
export async function refreshFollowers(deps: Pick<HubDeps, 'store' | 'links' | 'metrics' | 'now'>, push: Push, actor: string, options: { skipAt?: string } = {}): Promise<Refreshed[]> {
  const { store, links, metrics, now } = deps;
  const keys = [...new Set(push.repoURLs.map(repoKey))];
  const followers = (await Promise.all(keys.map((key) => store.applications.following(key)))).flat()
    .filter((app) => refFollows(app.ref, push.ref, push.defaultBranch) && (options.skipAt === undefined || app.revision !== options.skipAt));
  const ids = randomIds(followers.length);
  const commands = followers.map((app, i) => ({ environment: app.environment, command: { id: ids[i] ?? '', verb: 'refresh', application: app.name } satisfies LinkCommand }));
  // One transaction for all: each further transaction would wait its turn behind the agents'
  // results on SQLite's one connection.
  await store.commands.createMany(commands, actor, now());
  await links.deliverMany(commands);
  metrics.commands.inc({ verb: 'refresh' }, commands.length);
  return commands.map(({ environment, command }) => ({ environment, application: command.application, command: command.id }));
}
