/** The UI's pure logic: who may do what, where an OIDC login starts, the Fighting hint, commit links. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { can, oidcHref, type Whoami } from '../app/api/permissions.ts';
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
});
