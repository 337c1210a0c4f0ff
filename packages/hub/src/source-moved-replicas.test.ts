/**
 * ADR 30 across replicas on one PostgreSQL: a webhook posted to replica A reaches an agent linked
 * to replica B as B's source-moved frame (A publishes the moved ref once through the store's
 * signal); no command is stored for it, and A writes the push's one ledger entry.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startAgent } from '@trueup/agent';
import type { LedgerEntry, LedgerPage } from '@trueup/store';
import { agentFixture, hostManifest } from '@trueup/testkit';
import { eventually } from '@trueup/testkit/eventually';
import { skipWithoutPostgres, startPostgres } from '@trueup/testkit/postgres';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { HubClient } from './client.ts';
import { startHub } from './server.ts';
import { decodeSourceMovedSignal, encodeSourceMovedSignal } from './source-moved-frames.ts';

const motdFile = (content: string): Record<string, string> => ({ 'app/f.yaml': hostManifest('File', 'motd', { path: '/etc/motd', content }) });

test('a webhook posted to replica A refreshes an agent linked to replica B by a frame, with no command stored', { skip: skipWithoutPostgres() }, async (t) => {
  const defer = lastInFirstOut(t);
  const pg = await startPostgres();
  defer(() => pg.stop());
  const database = await pg.createDatabase('moved');
  const dataDir = await mkdtemp(join(tmpdir(), 'trueup-moved-'));
  defer(() => rm(dataDir, { recursive: true, force: true }));
  const a = await startHub({ dataDir, database, listen: '127.0.0.1:0', log: () => undefined });
  defer(() => a.stop());
  const b = await startHub({ dataDir, database, listen: '127.0.0.1:0', log: () => undefined });
  defer(() => b.stop());
  const token = (await readFile(a.info.adminTokenFile, 'utf8')).trim();
  const viaA = new HubClient({ url: a.url, token, ca: a.tls.ca });
  const viaB = new HubClient({ url: b.url, token, ca: b.tls.ca });

  const fixture = await agentFixture({ files: motdFile('one\n') });
  defer(() => fixture.cleanup());
  const tokenFile = join(fixture.dir, 'token');
  // A join token made at B names B: the agent links to B.
  await writeFile(tokenFile, (await viaB.post<{ token: string }>('/api/v1/join-tokens', { name: 'edge' })).token);
  const agent = await startAgent({ stateDir: fixture.stateDir, paths: [fixture.appFile], onEvent: (e) => fixture.onEvent(e), hub: { joinTokenFile: tokenFile } });
  defer(() => agent.stop());
  const APP = '/api/v1/environments/edge/applications/test';
  await eventually('the application synced, seen through A', async () => ((await viaA.get<{ sync: string }>(APP)).sync === 'Synced' ? true : undefined));
  assert.equal(b.links.connected('edge'), true);
  assert.equal(a.links.connected('edge'), false);
  await eventually('A sees the agent linked and announcing source-moved', async () => ((await viaA.get<{ items: { name: string; connected: boolean }[] }>('/api/v1/environments')).items.find((e) => e.name === 'edge')?.connected === true ? true : undefined));

  const secret = (await readFile(a.info.webhookSecretFile ?? '', 'utf8')).trim();
  const webhooks = new HubClient({ url: a.url, token: secret, ca: a.tls.ca });
  const second = await fixture.commit(motdFile('two\n'));
  const hook = await webhooks.post<{ refreshed: { environment: string; application: string; command?: string }[] }>('/api/v1/webhooks/git', { repoURL: fixture.repoURL, ref: 'refs/heads/main', after: second });
  assert.deepEqual(hook.refreshed, [{ environment: 'edge', application: 'test' }], 'told by a frame: no command');

  await eventually('the pushed revision applied by the agent on B', async () => ((await viaA.get<{ revision: string }>(APP)).revision === second ? true : undefined));
  assert.equal(await readFile(join(fixture.root, 'etc/motd'), 'utf8'), 'two\n', 'applied at once: its interval is an hour');
  const entries = async (query: string): Promise<LedgerEntry[]> => (await viaA.get<LedgerPage>(`/api/v1/events?${query}&order=asc&limit=500`)).items;
  const moved = await entries('kind=source-moved');
  assert.equal(moved.length, 1, 'one ledger entry for the push, from A');
  assert.deepEqual({ ...moved[0]?.details }, { repoURL: fixture.repoURL, ref: 'refs/heads/main', revision: second, applications: 1, agentsTold: 0, signalled: 1, commands: 0, away: 0 });
  assert.equal((await entries('kind=command-requested&environment=edge')).length, 0, 'no command stored for it');
  const sync = (await entries('kind=sync&environment=edge')).find((e) => e.details.revision === second);
  assert.equal(sync?.details.trigger, 'refresh');
});

test('the moved-ref signal: what fits a NOTIFY is sent and read back; what does not is refused', () => {
  const source = { repoURL: 'https://git.example/org/repo.git', ref: 'refs/heads/main', revision: 'a'.repeat(40), defaultBranch: 'main' };
  const payload = encodeSourceMovedSignal({ origin: 'r1', sources: [source], skipAt: 'a'.repeat(40) });
  assert.ok(payload !== undefined);
  assert.deepEqual(decodeSourceMovedSignal(payload), { origin: 'r1', sources: [source], skipAt: 'a'.repeat(40) });
  const long = { ...source, repoURL: `https://git.example/${'x'.repeat(2000)}.git` };
  assert.equal(encodeSourceMovedSignal({ origin: 'r1', sources: [long, { ...long, repoURL: `${long.repoURL}2` }, { ...long, repoURL: `${long.repoURL}3` }, { ...long, repoURL: `${long.repoURL}4` }] }), undefined, 'over 8000 bytes: the hub gives commands instead');
  assert.equal(decodeSourceMovedSignal('*'), undefined);
  assert.equal(decodeSourceMovedSignal('{"origin":"r1","sources":[{"repoURL":"u"}]}'), undefined, 'a source without a ref');
  assert.equal(decodeSourceMovedSignal('not json'), undefined);
});
