/** Tells every application following a pushed repository and ref to refresh, through its agent's link. */
import { refFollows, repoKey, type LinkCommand } from '@trueup/api';
import type { HubDeps } from './deps.ts';
import { randomId } from './secrets.ts';

export interface Refreshed {
  environment: string;
  application: string;
  command: string;
}

export async function refreshFollowers(deps: HubDeps, push: { repoURLs: readonly string[]; ref: string; defaultBranch?: string | undefined }, actor: string): Promise<Refreshed[]> {
  const { store, links, metrics, now } = deps;
  const keys = [...new Set(push.repoURLs.map(repoKey))];
  const followers = (await Promise.all(keys.map((key) => store.applications.following(key)))).flat()
    .filter((app) => refFollows(app.ref, push.ref, push.defaultBranch));
  const refreshed: Refreshed[] = [];
  for (const app of followers) {
    const command: LinkCommand = { id: randomId(), verb: 'refresh', application: app.name };
    await store.commands.create(command, app.environment, actor, now());
    metrics.commands.inc({ verb: 'refresh' });
    await links.deliver(app.environment, command);
    refreshed.push({ environment: app.environment, application: app.name, command: command.id });
  }
  return refreshed;
}
