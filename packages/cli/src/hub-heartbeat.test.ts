/**
 * Hub-side heartbeats end to end, as processes: a hub started with `--link-heartbeat 2s`, a real
 * agent joined to it, then the agent's process is stopped (SIGSTOP: it holds its connection and
 * answers nothing). The hub cuts the link as silent (4408) within three periods and shows the
 * environment offline; after SIGCONT the agent reconnects, resyncs, reports what changed in Git
 * meanwhile (a refresh queued while it was away), and the ledger holds each of its events once.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LinkCloseCodes, type HubInfo } from '@trueup/api';
import { HubClient } from '@trueup/hub';
import { agentFixture, freePort, hostManifest } from '@trueup/testkit';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { daemon, eventually, trueup } from './cli-testing.ts';


interface Entry { id: number; seq?: number; kind: string; application?: string; details: Record<string, unknown> }

test('bad link flags stop the hub before it starts, naming the flag', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-hub-flags-'));
  try {
    const buffer = await trueup(['hub', '--data-dir', dir, '--listen', '127.0.0.1:0', '--link-buffer', '8MB']);
    assert.notEqual(buffer.code, 0);
    assert.match(buffer.stderr, /--link-buffer 8MB: expected a size such as 512KiB, 8MiB or 1GiB/);
    const heartbeat = await trueup(['hub', '--data-dir', dir, '--listen', '127.0.0.1:0', '--link-heartbeat', '1m']);
    assert.notEqual(heartbeat.code, 0);
    assert.match(heartbeat.stderr, /--link-heartbeat 1m: the link heartbeat must be between 250ms and 15s/);
    assert.equal(existsSync(join(dir, 'hub.json')), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a stopped agent process is cut as silent within three heartbeats, shown offline, and resyncs once continued', async (t) => {
  const defer = lastInFirstOut(t);
  const dir = await mkdtemp(join(tmpdir(), 'trueup-hub-heartbeat-'));
  defer(() => rm(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'hub');
  const hub = daemon(defer, ['hub', '--data-dir', dataDir, '--listen', `127.0.0.1:${await freePort()}`, '--link-heartbeat', '2s', '--link-buffer', '1MiB']);
  const info = await eventually('hub.json', async () => (existsSync(join(dataDir, 'hub.json')) ? JSON.parse(await readFile(join(dataDir, 'hub.json'), 'utf8')) as HubInfo : undefined));
  const client = new HubClient({ url: info.url, token: (await readFile(info.adminTokenFile, 'utf8')).trim(), ca: await readFile(info.caCertFile, 'utf8') });
  const created = await trueup(['hub', 'join-token', 'create', '--name', 'edge', '--data-dir', dataDir]);
  assert.equal(created.code, 0, created.stderr);
  const tokenFile = join(dir, 'join.token');
  await writeFile(tokenFile, created.stdout, { mode: 0o600 });
  const f = await agentFixture({ files: { 'app/motd.yaml': hostManifest('File', 'motd', { path: '/etc/motd', content: 'one\n' }) } });
  defer(() => f.cleanup());
  const agent = daemon(defer, ['agent', '--state-dir', f.stateDir, '--listen', '127.0.0.1:0', '--join', tokenFile, f.appFile]);
  const listed = async (): Promise<boolean | undefined> => {
    const result = await trueup(['hub', 'agents', 'list', '--data-dir', dataDir, '-o', 'json']);
    return (JSON.parse(result.stdout) as { environments: { name: string; connected: boolean }[] }).environments.find((e) => e.name === 'edge')?.connected;
  };
  const application = (): Promise<{ revision?: string; sync: string }> => client.get('/api/v1/environments/edge/applications/test');
  const firstRevision = await eventually('the agent linked and its application Synced', async () => {
    const app = await application();
    return app.sync === 'Synced' && (await listed()) === true ? app.revision : undefined;
  }).catch((error: unknown) => assert.fail(`${String(error)}\nagent: ${agent.output()}\nhub: ${hub.output()}`));

  assert.ok(agent.pid !== undefined && agent.kill('SIGSTOP'));
  const cut = await eventually('the hub cut the stopped agent', async () => {
    const { items } = await client.get<{ items: Entry[] }>('/api/v1/events?environment=edge&kind=agent-disconnected');
    return items[0];
  }, 30_000);
  assert.deepEqual(cut.details, { code: LinkCloseCodes.silent, reason: 'the agent sent nothing, not even a heartbeat' });
  assert.equal(await listed(), false, 'hub agents list shows the environment offline');
  const offline = await trueup(['hub', 'agents', 'list', '--data-dir', dataDir]);
  assert.match(offline.stdout, /^edge\s+offline\s/m);

  // Git moves while the agent is stopped, and a refresh is asked for (queued: the agent is away);
  // continued, the agent reconnects, takes the refresh and reports the new commit.
  const second = await f.commit({ 'app/motd.yaml': hostManifest('File', 'motd', { path: '/etc/motd', content: 'two\n' }) });
  await client.post('/api/v1/environments/edge/applications/test/refresh');
  assert.ok(agent.kill('SIGCONT'));
  await eventually('the agent back, linked and reporting the new commit', async () => {
    const app = await application();
    return app.revision === second && app.sync === 'Synced' && (await listed()) === true ? true : undefined;
  }).catch((error: unknown) => assert.fail(`${String(error)}\nagent: ${agent.output()}\nhub: ${hub.output()}`));
  assert.notEqual(firstRevision, second);

  const { items } = await client.get<{ items: Entry[] }>('/api/v1/events?environment=edge&order=asc&limit=500');
  const seqs = items.flatMap((e) => (e.seq === undefined ? [] : [e.seq]));
  assert.ok(seqs.length > 0, 'the agent\'s events are in the ledger');
  assert.deepEqual(seqs, [...new Set(seqs)].sort((a, b) => a - b), 'each of the agent\'s events once, in order');
  const kinds = items.map((e) => e.kind);
  assert.deepEqual(kinds.filter((k) => k === 'agent-connected' || k === 'agent-disconnected').slice(0, 3), ['agent-connected', 'agent-disconnected', 'agent-connected']);
});
