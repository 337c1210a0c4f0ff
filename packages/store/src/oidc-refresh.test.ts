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
    // Two replicas saw the same check time: one claim wins.
    const claims = await Promise.all([oidcRefresh.claim('s:hash1', NOW, NOW + 10), oidcRefresh.claim('s:hash1', NOW, NOW + 11)]);
    assert.deepEqual([...claims].sort(), [false, true]);
    await oidcRefresh.put('s:hash1', { identity: { ...carol, groups: [] }, refresh: 'sealed-2', checkedAt: NOW + 20 });
    assert.deepEqual(await oidcRefresh.get('s:hash1'), { identity: { ...carol, groups: [] }, refresh: 'sealed-2', checkedAt: NOW + 20 });
    await oidcRefresh.prune(NOW);
    assert.deepEqual([await oidcRefresh.get('s:gone'), await oidcRefresh.get('t:no-such-token')], [undefined, undefined]);
    assert.notEqual(await oidcRefresh.get('s:hash1'), undefined, 'a live session keeps its record');
    await oidcRefresh.prune(NOW + 1000);
    assert.equal(await oidcRefresh.get('s:hash1'), undefined, 'an expired session does not');
  });
});
