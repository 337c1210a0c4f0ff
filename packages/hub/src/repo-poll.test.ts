/**
 * The hub's shared Git poll against a real Git server (smart HTTP), real agents joined to a real
 * hub, and two replicas on a real PostgreSQL: one listing per repository per round however many
 * applications follow it, refreshes for exactly the applications whose ref moved, agents told to
 * keep only a slow poll of their own, and one replica polling at a time.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startAgent, type Agent } from '@trueup/agent';
import { LINK_FALLBACK_GIT_POLL_MS, type LinkEvent } from '@trueup/api';
import type { LinkClientState } from '@trueup/link';
import type { HubStore, LedgerEntry } from '@trueup/store';
import { createServedRepo, createWorkRepo, hostManifest, startGitHttpServer, type GitHttpServer, type WorkRepo } from '@trueup/testkit';
import { skipWithoutPostgres, startPostgres } from '@trueup/testkit/postgres';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { HubClient } from './client.ts';
import { POLL_USER_AGENT } from './repo-poller.ts';
import { startHub, type RunningHub } from './server.ts';
import { eventually } from '@trueup/testkit/eventually';

interface Repos {
  server: GitHttpServer;
  config: WorkRepo;
  other: WorkRepo;
  /** Commits on `branch` of `repo` and pushes it; returns the commit. */
  push(repo: WorkRepo, branch: string, content: string): Promise<string>;
  /** The hub's listings (`info/refs` requests with its User-Agent) of a repository so far. */
  listings(name: string): number;
}

async function gitRepos(dir: string, defer: (fn: () => unknown) => void): Promise<Repos> {
  const root = join(dir, 'served');
  const server = await startGitHttpServer({ root });
  defer(() => server.close());
  const made: Record<string, WorkRepo> = {};
  for (const name of ['config', 'other']) {
    await createServedRepo(root, `${name}.git`);
    const work = await createWorkRepo(join(dir, `work-${name}`));
    await work.write({ 'app/f.yaml': hostManifest('File', 'motd', { path: '/motd', content: `${name} 1\n` }) });
    await work.commit('initial');
    await work.switchBranch('dev', { create: true });
    await work.switchBranch('main');
    await work.push(server.url(`${name}.git`));
    made[name] = work;
  }
  return {
    server,
    config: made.config as WorkRepo,
    other: made.other as WorkRepo,
    async push(repo, branch, content) {
      await repo.switchBranch(branch);
      await repo.write({ 'app/f.yaml': hostManifest('File', 'motd', { path: '/motd', content }) });
      const sha = await repo.commit(content);
      await repo.git('push', '--quiet', '--force', server.url(repo === made.config ? 'config.git' : 'other.git'), branch);
      await repo.switchBranch('main');
      return sha;
    },
    listings: (name) => server.log.filter((r) => r.method === 'GET' && r.url.startsWith(`/${name}.git/info/refs`) && r.userAgent === POLL_USER_AGENT).length,
  };
}

async function applicationFile(dir: string, name: string, repoURL: string, ref: string): Promise<string> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, `apiVersion: trueup.dev/v1alpha1
kind: Application
metadata: { name: ${name} }
spec:
  source: { repoURL: "${repoURL}", ref: ${ref}, path: app }
  destination: { host: { root: "${join(dir, 'root', name)}" } }
  syncPolicy:
    interval: 1h
    automated: { prune: true, selfHeal: true }
`);
  return file;
}

const revisionAt = async (client: HubClient, environment: string, name: string): Promise<string> =>
  (await client.get<{ revision: string }>(`/api/v1/environments/${environment}/applications/${name}`)).revision;

async function pollCommands(client: HubClient, after: number): Promise<string[]> {
  const page = await client.get<{ items: LedgerEntry[] }>('/api/v1/events?kind=command-requested&order=asc&limit=1000');
  return page.items.filter((e) => e.id > after && e.actor === 'poll').map((e) => `${e.environment}/${e.application ?? ''}`).sort();
}

const lastId = async (client: HubClient): Promise<number> => (await client.get<{ items: LedgerEntry[] }>('/api/v1/events?limit=1')).items[0]?.id ?? 0;

const status = (name: string, repoURL: string, ref: string, revision: string): LinkEvent => ({
  kind: 'status', application: name, digest: createDigest(`${name}${revision}`),
  status: { name, revision, sync: 'Synced', health: { status: 'Healthy' }, source: { repoURL, ref, path: 'app' } },
});

function createDigest(text: string): string {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h.toString(16).padStart(64, '0');
}

/** Environments that reported applications through the store, as offline agents would have. */
async function seedEnvironments(store: HubStore, count: number, repoURL: string, revision: string): Promise<void> {
  for (let i = 0; i < count; i++) {
    const environment = `sim-${String(i).padStart(3, '0')}`;
    await store.environments.createJoinToken({ id: environment, environment, labels: {}, secretHash: 'x', createdAt: 1, expiresAt: Date.now() + 60_000 });
    await store.environments.join(environment, { agentId: `agent-${environment}`, credentialHash: 'x' }, Date.now());
    await store.ledger.ingest(environment, `agent-${environment}`, 1, Date.now(), status('web', repoURL, 'main', revision));
  }
}

test('the hub polls each repository once per round and refreshes exactly the agents whose ref moved', async (t) => {
  const defer = lastInFirstOut(t);
  const dir = await mkdtemp(join(tmpdir(), 'trueup-poll-'));
  defer(() => rm(dir, { recursive: true, force: true }));
  const repos = await gitRepos(dir, defer);
  const configURL = repos.server.url('config.git');
  const logs: string[] = [];
  const hub = await startHub({ dataDir: join(dir, 'hub'), listen: '127.0.0.1:0', log: (m) => logs.push(m), pollIntervalMs: 3_600_000, pipelinePollMs: 3_600_000 });
  defer(() => hub.stop());
  const client = new HubClient({ url: hub.url, token: (await readFile(hub.info.adminTokenFile, 'utf8')).trim(), ca: hub.tls.ca });

  // Three real agents: a follows config@main; b config@main and config@dev; c other@main.
  const layout: Record<string, [string, string, string][]> = {
    a: [['web', configURL, 'main']],
    b: [['web', configURL, 'main'], ['api', configURL, 'dev']],
    c: [['other', repos.server.url('other.git'), 'main']],
  };
  const states: Record<string, LinkClientState[]> = {};
  for (const [environment, apps] of Object.entries(layout)) {
    const agentDir = join(dir, environment);
    await mkdir(agentDir, { recursive: true });
    const paths = await Promise.all(apps.map(([name, url, ref]) => applicationFile(agentDir, name, url, ref)));
    const tokenFile = join(agentDir, 'join-token');
    await writeFile(tokenFile, (await client.post<{ token: string }>('/api/v1/join-tokens', { name: environment })).token, { mode: 0o600 });
    states[environment] = [];
    const agent: Agent = await startAgent({ stateDir: join(agentDir, 'state'), paths, hub: { joinTokenFile: tokenFile, onState: (s) => states[environment]?.push(s) } });
    defer(() => agent.stop({ stopServices: true }));
  }
  const initial = await repos.config.git('rev-parse', 'main');
  await eventually('every application at the hub', async () => ((await client.get<{ total: number }>('/api/v1/applications?sync=Synced')).total === 4 ? true : undefined));
  // Fifty more environments on config@main, reported earlier, now offline: still one listing.
  await seedEnvironments(hub.store, 50, configURL, initial);

  // The agents were told the hub polls: their own look at Git becomes a slow fallback.
  for (const environment of Object.keys(layout)) assert.equal(states[environment]?.find((s) => s.state === 'streaming')?.gitPollMs, 3_600_000, environment);
  assert.ok(LINK_FALLBACK_GIT_POLL_MS >= 60_000);

  const round = async (): Promise<{ refreshed: number; config: number; other: number }> => {
    const [config, other] = [repos.listings('config'), repos.listings('other')];
    const result = await hub.poller.poll();
    assert.equal(result.leader, true);
    assert.equal(result.repositories, 2);
    return { refreshed: result.refreshed, config: repos.listings('config') - config, other: repos.listings('other') - other };
  };

  // First round: heads recorded; every application already reports them, so nobody is told.
  assert.deepEqual(await round(), { refreshed: 0, config: 1, other: 1 });

  // A push to config@main: exactly the applications following it, once each.
  let mark = await lastId(client);
  const second = await repos.push(repos.config, 'main', 'config 2\n');
  assert.deepEqual(await round(), { refreshed: 52, config: 1, other: 1 });
  const told = await pollCommands(client, mark);
  assert.deepEqual(told.filter((a) => !a.startsWith('sim-')), ['a/web', 'b/web']);
  assert.equal(told.filter((a) => a.startsWith('sim-')).length, 50, 'queued for the offline environments too');
  await eventually('a and b at the new commit', async () => ((await revisionAt(client, 'a', 'web')) === second && (await revisionAt(client, 'b', 'web')) === second ? true : undefined));
  assert.equal(await readFile(join(dir, 'a', 'root', 'web', 'motd'), 'utf8'), 'config 2\n');
  assert.equal(await revisionAt(client, 'b', 'api'), initial, 'b/api follows dev: not told');

  // A push to dev: only b/api.
  mark = await lastId(client);
  const dev = await repos.push(repos.config, 'dev', 'config dev\n');
  assert.deepEqual(await round(), { refreshed: 1, config: 1, other: 1 });
  assert.deepEqual(await pollCommands(client, mark), ['b/api']);
  await eventually('b/api at the dev commit', async () => ((await revisionAt(client, 'b', 'api')) === dev ? true : undefined));

  // Nothing moved: one listing each, nobody told.
  mark = await lastId(client);
  assert.deepEqual(await round(), { refreshed: 0, config: 1, other: 1 });
  assert.deepEqual(await pollCommands(client, mark), []);

  // A repository the hub cannot read (it needs a password the hub does not hold): left to its agents, logged once.
  const privateServer = await startGitHttpServer({ root: join(dir, 'served'), username: 'u', password: 'p' });
  defer(() => privateServer.close());
  const e = 'private';
  await hub.store.environments.createJoinToken({ id: e, environment: e, labels: {}, secretHash: 'x', createdAt: 1, expiresAt: Date.now() + 60_000 });
  await hub.store.environments.join(e, { agentId: `agent-${e}`, credentialHash: 'x' }, Date.now());
  await hub.store.ledger.ingest(e, `agent-${e}`, 1, Date.now(), status('secret', privateServer.url('config.git'), 'main', initial));
  for (let i = 0; i < 2; i++) {
    const withPrivate = await hub.poller.poll();
    assert.equal(withPrivate.repositories, 3);
    assert.equal(withPrivate.listed, 2);
  }
  assert.equal(logs.filter((line) => line.includes(`listing ${privateServer.url('config.git')} failed`)).length, 1, logs.join('\n'));
  const metrics = await client.get<string>('/metrics');
  assert.match(metrics, /trueup_hub_repo_polls_total\{result="failed"\} 2/);
  assert.match(metrics, /trueup_hub_repo_poll_leader 1/);
  assert.match(metrics, /trueup_hub_repo_poll_refreshes_total 53/);
});

test('on PostgreSQL only one replica polls; when it goes, another takes over', { skip: skipWithoutPostgres() }, async (t) => {
  const defer = lastInFirstOut(t);
  const dir = await mkdtemp(join(tmpdir(), 'trueup-poll-ha-'));
  defer(() => rm(dir, { recursive: true, force: true }));
  const pg = await startPostgres();
  defer(() => pg.stop());
  const database = await pg.createDatabase('hub');
  const repos = await gitRepos(dir, defer);
  const configURL = repos.server.url('config.git');
  const replicas: RunningHub[] = [];
  const stopped = new Set<RunningHub>();
  for (const name of ['r1', 'r2']) {
    const replica = await startHub({ dataDir: join(dir, name), listen: '127.0.0.1:0', database, log: () => undefined, pollIntervalMs: 3_600_000, pipelinePollMs: 3_600_000 });
    replicas.push(replica);
    defer(() => (stopped.has(replica) ? undefined : replica.stop()));
  }
  const [r1, r2] = replicas as [RunningHub, RunningHub];
  const initial = await repos.config.git('rev-parse', 'main');
  await seedEnvironments(r1.store, 20, configURL, initial);

  const both = async (): Promise<boolean[]> => (await Promise.all([r1.poller.poll(), r2.poller.poll()])).map((r) => r.leader);
  const before = repos.listings('config');
  const leaders = await both();
  assert.deepEqual(leaders.filter(Boolean).length, 1, 'one leader');
  assert.equal(repos.listings('config') - before, 1, 'one listing for the two replicas');
  const leader = leaders[0] === true ? r1 : r2;
  const follower = leader === r1 ? r2 : r1;
  assert.deepEqual(await both(), leaders, 'the same replica keeps polling');

  await repos.push(repos.config, 'main', 'config 2\n');
  const listed = repos.listings('config');
  await both();
  assert.equal(repos.listings('config') - listed, 1);
  const commands = await leader.store.ledger.list({ kind: 'command-requested', limit: 1000 });
  assert.equal(commands.items.filter((e) => e.actor === 'poll').length, 20, 'each follower told once, not once per replica');

  // The leader stops: its lock goes with its connection, and the other replica polls from the same heads.
  await leader.stop();
  stopped.add(leader);
  const takeover = await follower.poller.poll();
  assert.equal(takeover.leader, true);
  assert.equal(takeover.refreshed, 0, 'the heads the old leader saw are in the store: nothing told twice');
});
