/**
 * A long black-hole partition between an agent and its hub (a loopback proxy that keeps every
 * connection open and drops every byte): the agent keeps reconciling, its heartbeats find the
 * link dead, and after the route comes back the ledger holds every event exactly once.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startAgent } from '@trueup/agent';
import { LINK_SILENCE_MS, LinkCloseCodes } from '@trueup/api';
import type { LinkClientState } from '@trueup/link';
import type { LedgerEntry } from '@trueup/store';
import { agentFixture, hostManifest } from '@trueup/testkit';
import { startConnectProxy } from '@trueup/testkit/connect-proxy';
import { startTestHub } from '@trueup/testkit/hub';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { eventually as waitUntil } from '@trueup/testkit/eventually';

/** The shared wait, with a longer default: these steps wait on a cluster or a partition. */
const eventually = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> => waitUntil(what, fn, timeoutMs);

const motdFile = (content: string): Record<string, string> => ({ 'app/f.yaml': hostManifest('File', 'motd', { path: '/etc/motd', content }) });

test('a black-hole partition: the agent reconciles on, finds the dead link by its heartbeats, and the ledger gets every event once', async (t) => {
  const defer = lastInFirstOut(t);
  const testHub = await startTestHub();
  defer(() => testHub.stop());
  const { client } = testHub;
  const proxy = await startConnectProxy();
  defer(() => proxy.close());
  const fixture = await agentFixture({ files: motdFile('one\n') });
  defer(() => fixture.cleanup());
  const tokenFile = join(fixture.dir, 'token');
  await writeFile(tokenFile, (await client.post<{ token: string }>('/api/v1/join-tokens', { name: 'edge' })).token);
  const states: LinkClientState[] = [];
  // The link's clock: moved forward past the silence limit instead of waiting it out.
  let skew = 0;
  const agent = await startAgent({
    stateDir: fixture.stateDir, paths: [fixture.appFile], onEvent: (e) => fixture.onEvent(e),
    hub: { joinTokenFile: tokenFile, proxy: proxy.url, onState: (s) => states.push(s), now: () => Date.now() + skew },
  });
  defer(() => agent.stop());
  const APP = '/api/v1/environments/edge/applications/test';
  const revision = async (): Promise<string> => (await client.get<{ revision: string }>(APP)).revision;
  const first = await eventually('the application at the hub', async () => ((await client.get<{ sync: string; revision: string }>(APP)).sync === 'Synced' ? revision() : undefined));

  proxy.blackHole(true);
  // The agent keeps reconciling: two commits applied, a hand edit healed.
  const motd = join(fixture.root, 'etc/motd');
  const second = await fixture.commit(motdFile('two\n'));
  await agent.refresh('test');
  assert.equal(await readFile(motd, 'utf8'), 'two\n');
  await writeFile(motd, 'by hand\n');
  await fixture.waitFor((e) => e.type === 'drift-healed');
  assert.equal(await readFile(motd, 'utf8'), 'two\n');
  const third = await fixture.commit(motdFile('three\n'));
  await agent.refresh('test');
  assert.equal(await readFile(motd, 'utf8'), 'three\n');
  assert.equal(await revision(), first, 'nothing crossed the hole');
  assert.ok(!states.some((s) => s.state === 'disconnected'), 'a black hole gives no sign by itself');

  // Heartbeats: past the silence limit on the link's clock, the agent finds the link dead and cuts it.
  skew = LINK_SILENCE_MS;
  const dead = await eventually('the dead link found', async () => states.find((s) => s.state === 'disconnected'));
  assert.deepEqual([dead.state === 'disconnected' && dead.code, dead.state === 'disconnected' && dead.reason], [LinkCloseCodes.silent, 'the hub sent nothing, not even a heartbeat']);
  assert.ok(proxy.dropped() > 0);
  // Attempts made while the route is still a hole die in it; then it comes back.
  await eventually('a reconnect attempt into the hole', async () => (states.filter((s) => s.state === 'connecting').length >= 2 ? true : undefined));
  proxy.blackHole(false);
  await eventually('the last revision at the hub', async () => ((await revision()) === third ? true : undefined));

  // Every event the agent made reaches the ledger exactly once.
  const count = (type: string): number => fixture.events.filter((e) => e.type === type).length;
  const ledger = await eventually('the ledger complete', async () => {
    const page = await client.get<{ items: LedgerEntry[] }>('/api/v1/events?environment=edge&limit=1000&order=asc');
    const reported = page.items.filter((e) => e.seq !== undefined);
    const of = (kind: string): number => reported.filter((e) => e.kind === kind).length;
    return of('sync') === count('pass-finished') && of('drift') === count('drift-detected') && of('heal') === count('drift-healed') ? reported : undefined;
  });
  const seqs = ledger.map((e) => e.seq);
  assert.equal(new Set(seqs).size, seqs.length, 'no event twice');
  assert.deepEqual(seqs, [...seqs].sort((a, b) => (a ?? 0) - (b ?? 0)), 'in the agent\'s order');
  for (const sha of [second, third]) assert.equal(ledger.filter((e) => e.kind === 'sync' && e.details.revision === sha && e.details.result === 'Succeeded').length, 1, sha);
  assert.equal(ledger.filter((e) => e.kind === 'heal').length, 1);
  assert.equal(agent.applications()[0]?.revision, third);
});
