/**
 * Tells every application following a pushed repository and ref to refresh (ADR 30, amending
 * ADR 20): an agent that announced `source-moved` gets one frame for all its applications and
 * nothing is stored for it (sent by the replica holding its link); any other agent gets today's
 * persisted `refresh` command per application. One ledger entry records the push, written here:
 * `signalled` counts the environments linked to other replicas, told through the store's signal.
 */
import { refFollows, repoKey, type LinkCommand, type SourceMoved } from '@trueup/api';
import type { HubDeps } from './deps.ts';
import { isLinkedElsewhere } from './link-registry.ts';
import { randomIds } from './secrets.ts';
import { tellLinkedFollowers } from './source-moved-frames.ts';

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
  /** Environments told by one frame on a link to this replica. */
  frames: string[];
  /** Environments linked to another replica, told by the frame it sends on the store's signal. */
  signalled: string[];
  /** Applications given a persisted refresh command. */
  commands: Follower[];
  /** Followers whose agent is linked nowhere and catches up when it links again: nothing is stored. */
  away: Follower[];
}

/**
 * How an environment's agent hears of a push: `here`, linked to this replica and announced
 * source-moved; `elsewhere`, linked to another replica and announced it at that hello; `away`,
 * linked nowhere and announced it at its last hello (it refreshes everything when it links
 * again); `command`, any other.
 */
export type Reach = 'here' | 'elsewhere' | 'away' | 'command';

/** Pure: which followers get a frame (here or through the signal), which a command. */
export function planFanOut(followers: readonly Follower[], reach: (environment: string) => Reach): FanOutPlan {
  const plan: FanOutPlan = { frames: [], signalled: [], commands: [], away: [] };
  for (const follower of followers) {
    const how = reach(follower.environment);
    if (how === 'here' || how === 'elsewhere') {
      const list = how === 'here' ? plan.frames : plan.signalled;
      if (!list.includes(follower.environment)) list.push(follower.environment);
    } else if (how === 'away') plan.away.push(follower);
    else plan.commands.push(follower);
  }
  return plan;
}

/**
 * Tells the followers; `skipAt`: applications that already report this revision are left alone
 * (the hub's poll). Agents linked to another replica that announced source-moved are told by
 * that replica, through one store signal carrying the moved ref; if it cannot be sent (too
 * large for a NOTIFY), they get commands, as before.
 */
export async function refreshFollowers(deps: Pick<HubDeps, 'store' | 'links' | 'metrics' | 'now'>, push: Push, actor: string, options: { skipAt?: string } = {}): Promise<Refreshed[]> {
  const { store, links, metrics, now } = deps;
  const keys = [...new Set(push.repoURLs.map(repoKey))];
  const follows = (ref: string): boolean => refFollows(ref, push.ref, push.defaultBranch);
  const revision = push.revision !== undefined && /^[0-9a-f]{40,64}$/.test(push.revision) && !/^0+$/.test(push.revision) ? push.revision : undefined;
  const sources: SourceMoved[] = keys.map((key) => {
    const url = push.repoURLs.find((u) => repoKey(u) === key) ?? key;
    return { repoURL: withoutUserinfo(url), ref: push.ref, ...(revision === undefined ? {} : { revision }), ...(push.defaultBranch === undefined ? {} : { defaultBranch: push.defaultBranch }) };
  });
  // The frames first, from the environments alone (a few hundred rows, not one per application):
  // what the agents wait for leaves before the hub reads every follower for commands and the answer.
  const { framed, told } = await tellLinkedFollowers(store, links, sources, options.skipAt);
  const followers = (await Promise.all(keys.map((key) => store.applications.following(key)))).flat()
    .filter((app) => follows(app.ref) && (options.skipAt === undefined || app.revision !== options.skipAt));
  const remote = followers.some((app) => !framed.has(app.environment));
  const accepting = remote ? await store.environments.accepting('source-moved') : new Set<string>();
  const records = new Map(remote ? (await store.environments.list()).map((e) => [e.name, e]) : []);
  const at = now();
  const reach = (environment: string): Reach => {
    if (framed.has(environment)) return 'here';
    const record = records.get(environment);
    if (!accepting.has(environment) || record === undefined || links.connected(environment)) return 'command';
    return isLinkedElsewhere(record, at) ? 'elsewhere' : 'away';
  };
  const plan = planFanOut(followers, reach);
  if (plan.signalled.length > 0 && !(await links.publishSourceMoved(sources, options.skipAt))) {
    const signalled = new Set(plan.signalled);
    plan.commands.push(...followers.filter((app) => signalled.has(app.environment)));
    plan.signalled = [];
  }
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
      details: { repoURL: withoutUserinfo(push.repoURLs[0] ?? ''), ref: push.ref, ...(revision === undefined ? {} : { revision }), applications: followers.length, agentsTold: told.size, signalled: plan.signalled.length, commands: commands.length, away: plan.away.length },
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
