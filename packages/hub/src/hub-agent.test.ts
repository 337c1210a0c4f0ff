/**
 * A real host agent joined to a real hub: TLS with the hub's own CA, one WebSocket, status and
 * ledger events reaching the hub once each through a hub restart, commands delivered live and
 * after the agent was away, a used join token refused, a revoked agent shut out.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startAgent, type Agent } from '@trueup/agent';
import { isTrueupError, LinkCloseCodes, type ApplicationStatus } from '@trueup/api';
import type { LinkClientState } from '@trueup/link';
import { agentFixture, hostManifest } from '@trueup/testkit';
import { HubClient } from './client.ts';
import { startTestHub } from '@trueup/testkit/hub';
import { skipWithoutPostgres, startPostgres } from '@trueup/testkit/postgres';
import type { ApplicationPage, CommandRecord, LedgerEntry } from '@trueup/store';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { eventually } from '@trueup/testkit/eventually';

test('a host agent joins a hub (SQLite) and reports to it through restarts, partitions and revocation', (t) => scenario(lastInFirstOut(t)));

test('the same on PostgreSQL, which is restarted under it', { skip: skipWithoutPostgres() }, async (t) => {
  const defer = lastInFirstOut(t);
  const pg = await startPostgres();
  defer(() => pg.stop());
  await scenario(defer, { url: await pg.createDatabase('hub'), restart: () => pg.restart() });
});

async function scenario(defer: (fn: () => unknown) => void, postgres?: { url: string; restart: () => Promise<void> }): Promise<void> {
  const testHub = await startTestHub(postgres === undefined ? {} : { database: postgres.url });
  defer(() => testHub.stop());
  const { client } = testHub;
  const fixture = await agentFixture({ files: { 'app/files.yaml': hostManifest('File', 'motd', { path: '/etc/motd', content: 'one\n' }) } });
  defer(() => fixture.cleanup());

  const { token } = await client.post<{ token: string }>('/api/v1/join-tokens', { name: 'prod', labels: { region: 'eu' }, ttl: '10m' });
  const tokenFile = join(fixture.dir, 'join-token');
  await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
  const states: LinkClientState[] = [];
  const start = (hub: { joinTokenFile?: string }): Promise<Agent> => startAgent({ stateDir: fixture.stateDir, paths: [fixture.appFile], onEvent: (e) => fixture.onEvent(e), hub: { ...hub, onState: (s) => states.push(s) } });
  let agent = await start({ joinTokenFile: tokenFile });
  defer(() => agent.stop({ stopServices: true }));

  const list = (query: string): Promise<ApplicationPage> => client.get<ApplicationPage>(`/api/v1/applications?${query}`);
  const first = await eventually('the application at the hub', async () => (await list('environment=prod')).items.find((a) => a.name === 'test' && a.sync === 'Synced'));
  assert.equal(first.health, 'Healthy');
  assert.equal((await list('label=region%3Deu')).total, 1);
  assert.equal((await list('label=region%3Dus')).total, 0);
  const detail = await client.get<{ status: ApplicationStatus }>('/api/v1/environments/prod/applications/test');
  assert.equal(detail.status.resources[0]?.name, 'motd');

  // The token was used: a second agent cannot join with it.
  const other = await agentFixture({ files: { 'app/a.yaml': hostManifest('File', 'a', { path: '/a', content: 'a' }) } });
  defer(() => other.cleanup());
  await assert.rejects(startAgent({ stateDir: other.stateDir, paths: [other.appFile], hub: { joinTokenFile: tokenFile } }), (error) => isTrueupError(error, 'LINK_JOIN_REFUSED'));

  // A command while connected: delivered at once, answered with the pass's result.
  const refreshed = await client.post<CommandRecord>('/api/v1/environments/prod/applications/test/refresh?wait=true&timeout=30');
  assert.equal(refreshed.state, 'succeeded');
  assert.equal(refreshed.result?.sync, 'Synced');
  const dryRun = await client.post<CommandRecord>('/api/v1/environments/prod/applications/test/sync?wait=true&timeout=30', { dryRun: true });
  assert.equal(dryRun.state, 'succeeded');
  assert.match(dryRun.result?.message ?? '', /^compared \(dry run, 0 changes planned\) at \w{12}: Synced, Healthy$/);

  // A push webhook makes the agent pass at once (its interval is an hour).
  const pushed = await fixture.commit({ 'app/files.yaml': hostManifest('File', 'motd', { path: '/etc/motd', content: 'pushed\n' }) });
  const secret = (await readFile(testHub.hub.info.webhookSecretFile ?? '', 'utf8')).trim();
  const hook = await new HubClient({ url: testHub.hub.url, token: secret, ca: testHub.hub.tls.ca }).post<{ refreshed: { environment: string; application: string }[] }>('/api/v1/webhooks/git', { repoURL: fixture.repoURL, ref: 'refs/heads/main' });
  assert.deepEqual(hook.refreshed.map((r) => `${r.environment}/${r.application}`), ['prod/test']);
  await eventually('the pushed revision at the hub', async () => (await list('environment=prod')).items.find((a) => a.revision === pushed));
  assert.equal(await readFile(join(fixture.root, 'etc/motd'), 'utf8'), 'pushed\n');

  if (postgres !== undefined) {
    // The database restarts under a running hub: it answers again without a restart of its own.
    await postgres.restart();
    await eventually('the hub ready again', async () => ((await client.get<string>('/readyz')) === 'ready\n' ? true : undefined));
    const during = await fixture.commit({ 'app/files.yaml': hostManifest('File', 'motd', { path: '/etc/motd', content: 'between\n' }) });
    await agent.refresh('test');
    await eventually('the revision after the database restart', async () => (await list('environment=prod')).items.find((a) => a.revision === during));
  }

  // The hub goes away; Git changes; the agent converges alone and the hub catches up after.
  await testHub.down();
  const second = await fixture.commit({ 'app/files.yaml': hostManifest('File', 'motd', { path: '/etc/motd', content: 'two\n' }) });
  await agent.refresh('test');
  await fixture.waitFor((e) => e.type === 'pass-finished' && e.status.revision === second);
  await testHub.up();
  await eventually('the new revision at the hub', async () => (await list('environment=prod')).items.find((a) => a.revision === second));

  // The ledger holds each of the agent's events once.
  const ledger = await allEntries(client, 'environment=prod');
  const seqs = ledger.filter((e) => e.seq !== undefined).map((e) => e.seq);
  assert.deepEqual(seqs, [...new Set(seqs)], 'no sequence number twice');
  assert.ok(ledger.some((e) => e.kind === 'sync' && e.details.revision === second), 'the sync done while the hub was down');
  assert.ok(ledger.filter((e) => e.kind === 'agent-connected').length >= 2);

  // A command while the agent is away waits, queued, and runs when it is back.
  await agent.stop();
  await eventually('the agent offline', async () => (await client.get<{ items: { name: string; connected: boolean }[] }>('/api/v1/environments')).items.find((e) => e.name === 'prod' && !e.connected));
  const queued = await client.post<CommandRecord>('/api/v1/environments/prod/applications/test/sync', {});
  assert.equal(queued.state, 'queued');
  const environments = await client.get<{ items: { name: string; queuedCommands: number }[] }>('/api/v1/environments');
  assert.equal(environments.items.find((e) => e.name === 'prod')?.queuedCommands, 1);
  agent = await start({}); // the credential in the state dir: no token needed
  const done = await eventually('the queued command answered', async () => {
    const command = await client.get<CommandRecord>(`/api/v1/commands/${queued.id}`);
    return command.state === 'succeeded' ? command : undefined;
  });
  assert.equal(done.result?.revision, second);

  // Revoked: the link closes and the agent cannot come back.
  await client.post('/api/v1/environments/prod/revoke');
  await eventually('the agent refused', async () => states.find((s) => s.state === 'disconnected' && s.code === LinkCloseCodes.unauthorized));
  const revokedLedger = await allEntries(client, 'environment=prod&kind=agent-revoked');
  assert.equal(revokedLedger[0]?.actor, 'token:admin');
}

async function allEntries(client: { get<T>(path: string): Promise<T> }, query: string): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: LedgerEntry[]; nextCursor: string | null } = await client.get(`/api/v1/events?limit=50&${query}${cursor === null ? '' : `&cursor=${cursor}`}`);
    entries.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return entries;
}
