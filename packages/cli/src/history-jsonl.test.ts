/** `trueup history --hub URL -o jsonl [--since …]`: the hub's ledger exported as JSON lines, as a process would read it. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTestHub } from '@trueup/testkit/hub';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { trueupOffline } from './cli-testing.ts';


test('history --hub -o jsonl exports the ledger oldest first, with --since and ENV/APP filters', async (t) => {
  const defer = lastInFirstOut(t);
  const testHub = await startTestHub();
  defer(() => testHub.stop());
  const { store } = testHub.hub;
  const now = Date.now();
  const total = 1500;
  for (let i = 1; i <= total; i++) {
    await store.ledger.append({ environment: i % 2 === 0 ? 'prod' : 'stage', at: now - (total - i) * 60_000, kind: 'sync', application: i % 3 === 0 ? 'api' : 'web', details: { n: i } });
  }
  const tokenFile = join(testHub.dataDir, 'token-for-test');
  await writeFile(tokenFile, testHub.adminToken, { mode: 0o600 });
  const hubArgs = ['--hub', testHub.hub.url, '--ca-file', testHub.hub.info.caCertFile, '--token-file', tokenFile];
  const lines = (stdout: string): { environment: string; application?: string; details: { n: number } }[] => stdout.trimEnd().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { environment: string; application?: string; details: { n: number } });

  const all = await trueupOffline(['history', ...hubArgs, '-o', 'jsonl']);
  assert.equal(all.code, 0, all.stderr);
  const entries = lines(all.stdout).filter((e) => typeof e.details.n === 'number');
  assert.equal(entries.length, total, 'every entry, past the export\'s batches');
  assert.deepEqual(entries.slice(0, 2).map((e) => e.details.n), [1, 2], 'oldest first');

  const recent = await trueupOffline(['history', 'prod/web', ...hubArgs, '--output', 'jsonl', '--since', '30m']);
  assert.equal(recent.code, 0, recent.stderr);
  const window = lines(recent.stdout);
  assert.ok(window.length > 0 && window.length <= 16, String(window.length));
  assert.ok(window.every((e) => e.environment === 'prod' && e.application === 'web'));
  assert.ok(window.every((e) => e.details.n > total - 31));

  const bad = await trueupOffline(['history', ...hubArgs, '-o', 'jsonl', '--since', 'last tuesday']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--since last tuesday: expected a time/);

  // The table reads the newest entries first.
  const table = await trueupOffline(['history', 'stage', ...hubArgs, '--limit', '3']);
  assert.equal(table.code, 0, table.stderr);
  const rows = table.stdout.trim().split('\n').slice(1);
  assert.equal(rows.length, 3);
  assert.match(rows[0] ?? '', /\bstage\b|web|api/);
  const json = await trueupOffline(['history', 'stage', ...hubArgs, '--limit', '3', '-o', 'json']);
  assert.deepEqual((JSON.parse(json.stdout) as { events: { details: { n: number } }[] }).events.map((e) => e.details.n), [total - 1, total - 3, total - 5]);
});
