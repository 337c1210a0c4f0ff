/** `trueup hub`, `hub join-token create`, `agent --join`, `status --hub` and `hub agents revoke`, as processes. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { HubInfo } from '@trueup/api';
import { HubClient } from '@trueup/hub';
import { agentFixture, freePort, hostManifest } from '@trueup/testkit';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { daemon, eventually, trueup, trueupWith } from './cli-testing.ts';


test('a hub from the command line, an agent joined to it, and status across environments', async (t) => {
  const defer = lastInFirstOut(t);
  const dir = await mkdtemp(join(tmpdir(), 'trueup-hub-cli-'));
  defer(() => rm(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'hub');
  const port = await freePort();
  const hub = daemon(defer, ['hub', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`]);
  const info = await eventually('hub.json', async () => (existsSync(join(dataDir, 'hub.json')) ? JSON.parse(await readFile(join(dataDir, 'hub.json'), 'utf8')) as HubInfo : undefined));
  assert.equal(info.url, `https://127.0.0.1:${port}`, hub.output());
  assert.equal((await stat(info.adminTokenFile)).mode & 0o777, 0o600);
  assert.equal((await stat(join(dataDir, 'pki', 'ca.key'))).mode & 0o777, 0o600);
  const ca = await readFile(info.caCertFile, 'utf8');
  const token = (await readFile(info.adminTokenFile, 'utf8')).trim();
  const client = new HubClient({ url: info.url, token, ca });
  assert.equal(await client.get('/healthz'), 'ok\n');
  assert.equal(await client.get('/readyz'), 'ready\n');
  assert.match(await client.get<string>('/metrics'), /trueup_hub_agents_connected 0/);

  const created = await trueup(['hub', 'join-token', 'create', '--name', 'edge', '--label', 'site=lab', '--ttl', '5m', '--data-dir', dataDir]);
  assert.equal(created.code, 0, created.stderr);
  const tokenFile = join(dir, 'join.token');
  await writeFile(tokenFile, created.stdout, { mode: 0o600 });

  const f = await agentFixture({ files: { 'app/motd.yaml': hostManifest('File', 'motd', { path: '/etc/motd', content: 'hello\n' }) } });
  defer(() => f.cleanup());
  const agent = daemon(defer, ['agent', '--state-dir', f.stateDir, '--listen', '127.0.0.1:0', '--join', tokenFile, f.appFile]);
  const env = { TRUEUP_HUB: info.url, TRUEUP_TOKEN: token, TRUEUP_CA_FILE: info.caCertFile };
  const status = await eventually('the agent\'s application in status --hub', async () => {
    const result = await trueupWith(env, ['status']);
    return /edge\s+test\s+\w{12}\s+Synced\s+Healthy/.test(result.stdout) ? result : undefined;
  }).catch((error: unknown) => assert.fail(`${String(error)}\nagent: ${agent.output()}\nhub: ${hub.output()}`));
  assert.match(status.stdout, /^ENVIRONMENT\s+NAME\s+REVISION\s+SYNC\s+HEALTH\s+LAST SYNCED/);
  const json = await trueupWith({ TRUEUP_TOKEN: token }, ['status', '--hub', info.url, '--ca-file', info.caCertFile, '-o', 'json', 'edge/test']);
  assert.equal(json.code, 0, json.stderr);
  assert.equal((JSON.parse(json.stdout) as { environment: string; sync: string }).sync, 'Synced');
  assert.match(agent.output(), /linked to the hub/);

  const refreshed = await trueupWith(env, ['refresh', 'edge/test']);
  assert.equal(refreshed.code, 0, refreshed.stderr);
  assert.match(refreshed.stdout, /^edge\/test: refreshed at \w{12}: Synced, Healthy$/m);
  const synced = await trueup(['sync', '--hub', info.url, '--ca-file', info.caCertFile, '--token-file', info.adminTokenFile, 'edge/test']);
  assert.equal(synced.code, 0, synced.stderr);
  assert.match(synced.stdout, /^edge\/test: synced at/m);
  const history = await trueupWith(env, ['history', 'edge/test', '-o', 'json']);
  const kinds = (JSON.parse(history.stdout) as { events: { kind: string; actor?: string }[] }).events.map((e) => e.kind);
  assert.ok(kinds.includes('sync') && kinds.includes('command-finished'), kinds.join(','));
  const unknownApp = await trueupWith(env, ['refresh', 'edge/nope']);
  assert.equal(unknownApp.code, 2);
  assert.match(unknownApp.stderr, /no application "nope" in environment "edge"/);

  const listed = await trueup(['hub', 'agents', 'list', '--data-dir', dataDir, '-o', 'json']);
  const environments = (JSON.parse(listed.stdout) as { environments: { name: string; connected: boolean; labels: object; kinds?: string[]; agentVersion?: string }[] }).environments;
  assert.deepEqual(environments.map((e) => [e.name, e.connected, e.labels, e.kinds]), [['edge', true, { site: 'lab' }, ['host']]]);
  assert.match(environments[0]?.agentVersion ?? '', /^\d+\.\d+\.\d+$/, 'the version the agent said in its hello');
  const table = await trueup(['hub', 'agents', 'list', '--data-dir', dataDir]);
  assert.match(table.stdout, /^edge\s+connected\s+\S+\s+host\s+\d+\.\d+\.\d+\s+1\s+0\s+site=lab$/m);
  const revoked = await trueup(['hub', 'agents', 'revoke', 'edge', '--data-dir', dataDir]);
  assert.equal(revoked.code, 0, revoked.stderr);
  await eventually('the agent told it is revoked', async () => (/hub link down \(4401/.test(agent.output()) ? true : undefined));
  const unknown = await trueup(['hub', 'agents', 'revoke', 'nope', '--data-dir', dataDir]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no environment "nope"/);
  const noHub = await trueupWith({ TRUEUP_TOKEN: 'tut.bad.aaaaaaaaaaaaaaaaaaaaaaaa' }, ['status', '--hub', info.url, '--ca-file', info.caCertFile]);
  assert.equal(noHub.code, 2);
  assert.match(noHub.stderr, /bearer token/);
});
