/** The UI's pure logic: who may do what, where an OIDC login starts, the Fighting hint, commit links, the runs list kept from its stream. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { can, oidcHref, type Whoami } from '../app/api/permissions.ts';
import { upsertRun, type RunSummary } from '../app/api/run-list.ts';
import { commitUrl, fightingParts } from '../app/pages/status-text.ts';

const viewer: Whoami = { subject: 'user:ada', name: 'Ada', kind: 'user', groups: [], admin: false, projects: [{ name: 'shop', role: 'operator', verbs: ['get', 'refresh', 'sync'] }], can: { get: true, refresh: false, sync: false } };

test('page logic', async (t) => {
  await t.test('verbs: the project\'s when the caller has a role in it, else the caller\'s; an admin may do all', () => {
    assert.equal(can(viewer, 'sync'), false);
    assert.equal(can(viewer, 'sync', 'shop'), true);
    assert.equal(can(viewer, 'sync-prune', 'shop'), false);
    assert.equal(can(viewer, 'sync', 'other'), false);
    assert.equal(can(viewer, 'get', 'other'), true);
    assert.equal(can({ ...viewer, admin: true }, 'pause-self-heal'), true);
  });

  await t.test('the OIDC login comes back to the page it left', () => {
    assert.equal(oidcHref('/api/v1/oidc/login', '/ledger?kind=heal'), '/api/v1/oidc/login?redirect=%2Fledger%3Fkind%3Dheal');
    assert.equal(oidcHref('/login?provider=corp', '/'), '/login?provider=corp&redirect=%2F');
  });

  await t.test('Fighting: the message and the YAML it suggests, apart', () => {
    const message = 'something keeps changing File/motd back; self-heal is backing off. If that change is wanted, let it stay by adding to spec:\nignoreDifferences:\n  - kind: File\n    name: motd\n    jsonPointers:\n      - /spec/content\n';
    const { text, suggestion } = fightingParts(message);
    assert.equal(text, 'something keeps changing File/motd back; self-heal is backing off. If that change is wanted, let it stay by adding to spec:');
    assert.equal(suggestion, 'ignoreDifferences:\n  - kind: File\n    name: motd\n    jsonPointers:\n      - /spec/content');
    assert.deepEqual(fightingParts('something keeps changing x back'), { text: 'something keeps changing x back', suggestion: undefined });
  });

  await t.test('commit links for web repositories only, without credentials', () => {
    assert.equal(commitUrl('https://bot:secret@git.example.com/ops/config.git', 'abc'), 'https://git.example.com/ops/config/commit/abc');
    assert.equal(commitUrl('ssh://git@git.example.com/ops/config.git', 'abc'), undefined);
    assert.equal(commitUrl('file:///srv/config.git', 'abc'), undefined);
    assert.equal(commitUrl('https://git.example.com/ops/config', ''), undefined);
  });

  await t.test('a run from the stream replaces its row or takes its place, newest first, within the limit', () => {
    const run = (id: string, at: string, status = 'running'): RunSummary => ({ id, repository: 'r', workflow: 'ci', event: 'push', ref: 'main', sha: 'a', actor: 'ann', status, conclusion: null, createdAt: at, finishedAt: null });
    const list = [run('c', '2026-01-03'), run('b', '2026-01-02'), run('a', '2026-01-01')];
    assert.deepEqual(upsertRun(list, run('b', '2026-01-02', 'completed')).map((r) => [r.id, r.status]), [['c', 'running'], ['b', 'completed'], ['a', 'running']]);
    assert.deepEqual(upsertRun(list, run('d', '2026-01-04')).map((r) => r.id), ['d', 'c', 'b', 'a']);
    assert.deepEqual(upsertRun(list, run('bb', '2026-01-02')).map((r) => r.id), ['c', 'bb', 'b', 'a'], 'same time: by id, descending');
    assert.deepEqual(upsertRun(list, run('old', '2025-12-31'), 3).map((r) => r.id), ['c', 'b', 'a'], 'older than every row of a full list: not shown');
  });
});
