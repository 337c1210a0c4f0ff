/**
 * Tells every application following a pushed repository and ref to refresh (ADR 30, amending
 * ADR 20): an agent that announced `source-moved` gets one frame for all its applications and
 * nothing is stored for it; any other agent gets today's persisted `refresh` command per
 * application. One ledger entry records the push.
 */
import { refFollows, repoKey, type LinkCommand, type SourceMoved } from '@trueup/api';
import type { HubDeps } from './deps.ts';
import { isLinkedElsewhere } from './link-registry.ts';
import { randomIds } from './secrets.ts';

export interface Refreshed {
  environment: string;
  application: string;
  /** The persisted command; absent when the agent was told by a source-moved frame. */
  command?: string;
}

export interface Push {
  repoURLs: readonly string[];
  ref: string;
  defaultBranch?: string | undefined;
  /** The commit the ref moved to, when known (a webhook's `after`, the poll's listing, the hub's own commit). */
  revision?: string | undefined;
}

interface Follower {
  environment: string;
  name: string;
}

/** How the followers of one push are reached. */
export interface FanOutPlan {
  /** Environments told by one frame. */
  frames: string[];
  /** Applications given a persisted refresh command. */
  commands: Follower[];
  /** Followers whose agent is linked nowhere and catches up when it links again: nothing is stored. */
  away: Follower[];
}

/**
 * Pure: which followers get a frame, which a command. `linkedHere(e)`: the agent holds a link to
 * this replica and announced source-moved; `acceptsAway(e)`: linked nowhere, and its last hello
 * announced source-moved (it refreshes everything when it links again).
 */
export function planFanOut(followers: readonly Follower[], linkedHere: (environment: string) => boolean, acceptsAway: (environment: string) => boolean): FanOutPlan {
  const plan: FanOutPlan = { frames: [], commands: [], away: [] };
  const framed = new Set<string>();
  for (const follower of followers) {
    if (linkedHere(follower.environment)) {
      if (!framed.has(follower.environment)) plan.frames.push(follower.environment);
      framed.add(follower.environment);
    } else if (acceptsAway(follower.environment)) plan.away.push(follower);
    else plan.commands.push(follower);
  }
  return plan;
}

/**
 * Tells the followers; `skipAt`: applications that already report this revision are left alone
 * (the hub's poll). An agent linked to another replica gets commands (delivered through the
 * store's signal), as before ADR 30.
 */
export async function refreshFollowers(deps: Pick<HubDeps, 'store' | 'links' | 'metrics' | 'now'>, push: Push, actor: string, options: { skipAt?: string } = {}): Promise<Refreshed[]> {
  const { store, links, metrics, now } = deps;
  const keys = [...new Set(push.repoURLs.map(repoKey))];
  const follows = (ref: string): boolean => refFollows(ref, push.ref, push.defaultBranch);
  // The frames first, from the environments alone (a few hundred rows, not one per application):
  // what the agents wait for leaves before the hub reads every follower for commands and the answer.
  const environments = (await Promise.all(keys.map((key) => store.applications.followingEnvironments(key, options.skipAt)))).flat().filter((row) => follows(row.ref));
  const framed = new Set(environments.map((row) => row.environment).filter((environment) => links.acceptsSourceMoved(environment)));
  const revision = push.revision !== undefined && /^[0-9a-f]{40,64}$/.test(push.revision) && !/^0+$/.test(push.revision) ? push.revision : undefined;
  const told = new Set<string>();
  for (const key of keys) {
    const url = push.repoURLs.find((u) => repoKey(u) === key) ?? key;
    const source: SourceMoved = { repoURL: withoutUserinfo(url), ref: push.ref, ...(revision === undefined ? {} : { revision }), ...(push.defaultBranch === undefined ? {} : { defaultBranch: push.defaultBranch }) };
    for (const environment of links.sourceMoved(framed, source)) told.add(environment);
  }
  const followers = (await Promise.all(keys.map((key) => store.applications.following(key)))).flat()
    .filter((app) => follows(app.ref) && (options.skipAt === undefined || app.revision !== options.skipAt));
  const remote = followers.some((app) => !framed.has(app.environment));
  const accepting = remote ? await store.environments.accepting('source-moved') : new Set<string>();
  const records = new Map(remote ? (await store.environments.list()).map((e) => [e.name, e]) : []);
  const at = now();
  const plan = planFanOut(followers, (environment) => framed.has(environment), (environment) => {
    const record = records.get(environment);
    return accepting.has(environment) && record !== undefined && !isLinkedElsewhere(record, at) && !links.connected(environment);
  });
  const ids = randomIds(plan.commands.length);
  const commands = plan.commands.map((app, i) => ({ environment: app.environment, command: { id: ids[i] ?? '', verb: 'refresh', application: app.name } satisfies LinkCommand }));
  // One transaction for all: each further transaction would wait its turn behind the agents'
  // results on SQLite's one connection.
  await store.commands.createMany(commands, actor, at);
  await links.deliverMany(commands);
  metrics.commands.inc({ verb: 'refresh' }, commands.length);
  if (followers.length > 0) {
    await store.ledger.append({
      environment: '', at, kind: 'source-moved', actor,
      details: { repoURL: withoutUserinfo(push.repoURLs[0] ?? ''), ref: push.ref, ...(revision === undefined ? {} : { revision }), applications: followers.length, agentsTold: told.size, commands: commands.length, away: plan.away.length },
    });
  }
  const byCommand = new Map(commands.map(({ environment, command }) => [`${environment}/${command.application}`, command.id]));
  return followers.map((app) => {
    const command = byCommand.get(`${app.environment}/${app.name}`);
    return { environment: app.environment, application: app.name, ...(command === undefined ? {} : { command }) };
  });
}

/** A URL as the hub tells it: any `user:password@` taken out. */
function withoutUserinfo(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
}
