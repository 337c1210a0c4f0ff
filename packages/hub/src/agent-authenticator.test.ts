/** The link's credential check: scrypt once per credential, revocation read every time, abandoned dials dropped before their scrypt. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJoinToken } from '@trueup/link';
import { onBothEngines } from '@trueup/store/testing';
import { AgentAuthenticator } from './agent-authenticator.ts';
import { createJoinToken, exchangeJoinToken } from './join.ts';

test('agent authenticator', async (t) => {
  await onBothEngines(t, 'right, wrong, remembered, revoked and abandoned', async (store) => {
    const now = Date.now();
    const { token } = await createJoinToken(store, { url: 'https://hub', caSha256: 'a'.repeat(64) }, { name: 'prod', labels: {}, ttlMs: 60_000 }, now);
    const { id, secret } = decodeJoinToken(token);
    const { credential } = await exchangeJoinToken(store, { id, secret }, now);
    const agents = new AgentAuthenticator(store);
    const yes = (): boolean => true;
    assert.equal((await agents.authenticate(`Bearer ${credential}`, yes) as { environment: string }).environment, 'prod');
    assert.equal((await agents.authenticate(`Bearer ${credential}`, yes) as { environment: string }).environment, 'prod', 'remembered');
    const wrong = credential.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    assert.equal(await agents.authenticate(`Bearer ${wrong}`, yes), undefined, 'a wrong secret for a known id is checked again');
    assert.equal(await agents.authenticate('Bearer nonsense', yes), undefined);
    assert.equal(await agents.authenticate(undefined, yes), undefined);
    const fresh = new AgentAuthenticator(store);
    assert.equal(await fresh.authenticate(`Bearer ${credential}`, () => false), 'abandoned', 'the dial ended before its check ran');
    await store.environments.revoke('prod', now + 1);
    assert.equal(await agents.authenticate(`Bearer ${credential}`, yes), undefined, 'revoked, though remembered');
  });
});
