/** What OIDC logins hold from their provider: one replica's claim wins a check, and what no session or token holds is pruned (both engines). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onBothEngines } from './testing.ts';

const NOW = 1_800_000_000_000;
const carol = { kind: 'oidc' as const, subject: 'oidc:carol', name: 'carol', groups: ['viewers'] };

test('oidc refresh records', async (t) => {
  await onBothEngines(t, 'kept, claimed once per check, replaced, pruned with their session or token', async (store) => {
    const { oidcRefresh } = store;
    await store.sessions.create('hash1', { subject: carol.subject, identity: carol, createdAt: NOW, expiresAt: NOW + 1000 });
    await oidcRefresh.put('s:hash1', { identity: carol, refresh: 'sealed-1', checkedAt: NOW });
    await oidcRefresh.put('s:gone', { identity: carol, refresh: 'sealed-x', checkedAt: NOW });
    await oidcRefresh.put('t:no-such-token', { identity: carol, refresh: 'sealed-y', checkedAt: NOW });
    assert.deepEqual(await oidcRefresh.get('s:hash1'), { identity: carol, refresh: 'sealed-1', checkedAt: NOW });
    // Two replicas saw the same check: one claim wins; the check itself stays until the answer is stored.
    const claims = await Promise.all([oidcRefresh.claim('s:hash1', NOW, NOW + 10, NOW - 60_000), oidcRefresh.claim('s:hash1', NOW, NOW + 11, NOW - 60_000)]);
    assert.deepEqual([...claims].sort(), [false, true]);
    assert.equal((await oidcRefresh.get('s:hash1'))?.checkedAt, NOW);
    assert.equal(await oidcRefresh.claim('s:hash1', NOW, NOW + 12, NOW + 5), false, 'a live claim holds');
    assert.equal(await oidcRefresh.claim('s:hash1', NOW, NOW + 70_000, NOW + 12), true, 'a stale claim (its replica gone) is taken over');
    await oidcRefresh.put('s:hash1', { identity: { ...carol, groups: [] }, refresh: 'sealed-2', checkedAt: NOW + 20 });
    assert.deepEqual(await oidcRefresh.get('s:hash1'), { identity: { ...carol, groups: [] }, refresh: 'sealed-2', checkedAt: NOW + 20 });
    assert.equal(await oidcRefresh.claim('s:hash1', NOW + 20, NOW + 30, NOW - 60_000), true, 'the stored answer ended the claim');
    await oidcRefresh.prune(NOW);
    assert.deepEqual([await oidcRefresh.get('s:gone'), await oidcRefresh.get('t:no-such-token')], [undefined, undefined]);
    assert.notEqual(await oidcRefresh.get('s:hash1'), undefined, 'a live session keeps its record');
    await oidcRefresh.prune(NOW + 1000);
    assert.equal(await oidcRefresh.get('s:hash1'), undefined, 'an expired session does not');
  });
  await onBothEngines(t, 'a token follows the login it was made from, which lives while the token does', async (store) => {
    const { oidcRefresh } = store;
    await store.sessions.create('hash2', { subject: carol.subject, identity: carol, createdAt: NOW, expiresAt: NOW + 1000 });
    await store.tokens.create({ id: 'tok1', name: 'ci', role: 'user', secretHash: 'x', createdAt: NOW, owner: carol.subject, identity: carol });
    await oidcRefresh.put('s:hash2', { identity: carol, refresh: undefined, checkedAt: NOW });
    assert.deepEqual(await oidcRefresh.get('s:hash2'), { identity: carol, refresh: undefined, checkedAt: NOW }, 'a login without a refresh token is kept too');
    await oidcRefresh.follow('t:tok1', 's:hash2');
    assert.deepEqual([await oidcRefresh.loginOf('t:tok1'), await oidcRefresh.loginOf('s:hash2')], ['s:hash2', 's:hash2']);
    assert.deepEqual(await oidcRefresh.followers('s:hash2'), ['t:tok1']);
    await oidcRefresh.release('s:hash2');
    assert.notEqual(await oidcRefresh.get('s:hash2'), undefined, 'a logout keeps the record its tokens follow');
    await oidcRefresh.prune(NOW + 1000);
    assert.notEqual(await oidcRefresh.get('s:hash2'), undefined, 'the session has expired, but its token lives');
    await store.tokens.revoke('tok1', NOW + 1000);
    await oidcRefresh.prune(NOW + 1000);
    assert.deepEqual([await oidcRefresh.get('s:hash2'), await oidcRefresh.followers('s:hash2')], [undefined, []], 'with the token revoked, both go');
    await oidcRefresh.put('s:hash3', { identity: carol, refresh: 'sealed', checkedAt: NOW });
    await oidcRefresh.follow('t:tok2', 's:hash3');
    await oidcRefresh.delete('s:hash3');
    assert.deepEqual([await oidcRefresh.get('s:hash3'), await oidcRefresh.loginOf('t:tok2')], [undefined, 't:tok2'], 'a refused login drops its followers\' links');
  });
});
