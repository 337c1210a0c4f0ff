/**
 * The hub killed with SIGKILL in the middle of a burst of events: after it restarts, the
 * agent's outbox resends what was not acknowledged and the ledger holds every event exactly once.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { HubInfo } from '@trueup/api';
import { SqliteOutbox } from '@trueup/agent/hub-link';
import { LinkClient } from '@trueup/link';
import { freePort } from '@trueup/testkit';
import { HubClient } from './client.ts';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { eventually } from '@trueup/testkit/eventually';

const MAIN = join(import.meta.dirname, '..', '..', 'cli', 'src', 'main.js');
const EVENTS = 3000;

test('a hub killed with SIGKILL during a burst loses and doubles nothing', async (t) => {
  const defer = lastInFirstOut(t);
  const dir = await mkdtemp(join(tmpdir(), 'trueup-crash-'));
  defer(() => rm(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'hub');
  const port = await freePort();
  let hub: ChildProcess | undefined;
  const startHubProcess = async (): Promise<HubInfo> => {
    hub = spawn(process.execPath, [MAIN, 'hub', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`], { stdio: 'ignore' });
    const info = JSON.parse(await eventually('hub.json', async () => (existsSync(join(dataDir, 'hub.json')) ? readFile(join(dataDir, 'hub.json'), 'utf8') : undefined))) as HubInfo;
    const client = new HubClient({ url: info.url, ca: await readFile(info.caCertFile, 'utf8') });
    await eventually('the hub ready', async () => ((await client.get('/readyz')) === 'ready\n' ? true : undefined));
    return info;
  };
  defer(() => {
    hub?.kill('SIGKILL');
  });
  const info = await startHubProcess();
  const admin = new HubClient({ url: info.url, token: (await readFile(info.adminTokenFile, 'utf8')).trim(), ca: await readFile(info.caCertFile, 'utf8') });
  const { token } = await admin.post<{ token: string }>('/api/v1/join-tokens', { name: 'burst' });
  const { id, secret } = JSON.parse(Buffer.from(token.slice('trueup-join.v1.'.length), 'base64url').toString()) as { id: string; secret: string };
  const { credential } = await admin.post<{ credential: string }>('/api/v1/agents/join', { id, secret });

  const outbox = new SqliteOutbox(join(dir, 'agent'), () => []);
  defer(() => outbox.close());
  for (let i = 1; i <= EVENTS; i++) outbox.append({ kind: 'sync', application: 'app', revision: `r${i}`, trigger: 'interval', result: 'NoChange', changed: 0, durationMs: 1, message: '' });
  const client = new LinkClient({ hubUrl: info.url, ca: await readFile(info.caCertFile, 'utf8'), credential, agentVersion: 'test', outbox, onCommand: async () => ({ ok: true, message: '' }), random: () => 0 });
  client.start();
  defer(() => client.stop());

  await eventually('a part of the burst acknowledged', () => (outbox.size() < EVENTS - 300 ? true : undefined));
  hub?.kill('SIGKILL');
  const left = outbox.size();
  assert.ok(left > 0, 'killed before the burst ended');
  await startHubProcess();
  await eventually('the whole burst acknowledged', () => (outbox.size() === 0 ? true : undefined));

  const revisions: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: { seq: number; details: { revision: string } }[]; nextCursor: string | null } = await admin.get(`/api/v1/events?kind=sync&order=asc&limit=1000${cursor === null ? '' : `&cursor=${cursor}`}`);
    revisions.push(...page.items.map((e) => e.details.revision));
    cursor = page.nextCursor;
  } while (cursor !== null);
  assert.equal(revisions.length, EVENTS, `${left} were unacknowledged at the kill`);
  assert.deepEqual(revisions, Array.from({ length: EVENTS }, (_, i) => `r${i + 1}`), 'each once, in order');
});
