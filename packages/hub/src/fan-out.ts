/** Tells every application following a pushed repository and ref to refresh, through its agent's link. */
import { refFollows, repoKey, type LinkCommand } from '@trueup/api';
import type { HubDeps } from './deps.ts';
import { randomId } from './secrets.ts';

export interface Refreshed {
  environment: string;
  application: string;
  command: string;
}

/** Commands stored in one transaction, then sent, before the next ones. */
const SLICE = 500;

export interface Push {
  repoURLs: readonly string[];
  ref: string;
  defaultBranch?: string | undefined;
}

/**
 * Persists one `refresh` per following application, a few hundred per transaction, sending
 * each slice as soon as it is stored.
 * `skipAt`: applications that already report this revision are left alone (the hub's poll).
 */
export async function refreshFollowers(deps: Pick<HubDeps, 'store' | 'links' | 'metrics' | 'now'>, push: Push, actor: string, options: { skipAt?: string } = {}): Promise<Refreshed[]> {
  const { store, links, metrics, now } = deps;
  const keys = [...new Set(push.repoURLs.map(repoKey))];
  const followers = (await Promise.all(keys.map((key) => store.applications.following(key)))).flat()
    .filter((app) => refFollows(app.ref, push.ref, push.defaultBranch) && (options.skipAt === undefined || app.revision !== options.skipAt));
  const commands = followers.map((app) => ({ environment: app.environment, command: { id: randomId(), verb: 'refresh', application: app.name } satisfies LinkCommand }));
  // In slices: the first agents are told once their slice is stored, not once all of them are.
  for (let start = 0; start < commands.length; start += SLICE) {
    const slice = commands.slice(start, start + SLICE);
    await store.commands.createMany(slice, actor, now());
    await links.deliverMany(slice);
  }
  metrics.commands.inc({ verb: 'refresh' }, commands.length);
  return commands.map(({ environment, command }) => ({ environment, application: command.application, command: command.id }));
}
