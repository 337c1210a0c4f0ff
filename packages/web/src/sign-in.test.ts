/**
 * Signing in as one of the hub's users, in headless Chromium against a real hub: the session
 * cookie is HttpOnly, a wrong password is refused, actions are sent with the cookie and the
 * request header the hub requires, and signing out ends the session. Runs when the hub has
 * users (`GET /api/v1/auth/providers` says password) and a way to add one over its API.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestHub } from '@trueup/testkit/hub';
import { axeViolations, launchChromium, skipWithoutChromium } from './testing.ts';

test('sign in as a hub user, act with the session cookie, sign out', { skip: skipWithoutChromium() }, async (t) => {
  const testHub = await startTestHub();
  t.after(() => testHub.stop());
  const providers = await testHub.client.get<{ password: boolean; oidc: { name: string; loginUrl: string } | null }>('/api/v1/auth/providers').catch(() => undefined);
  if (providers?.password !== true) {
    t.skip('this hub has no password sign-in (GET /api/v1/auth/providers)');
    return;
  }
  const added = await testHub.client.post('/api/v1/users', { name: 'ada', password: 'correct horse battery', groups: [] })
    .then(() => testHub.client.post('/api/v1/grants', { project: '*', role: 'operator', user: 'ada' }))
    .then(() => true, () => false);
  if (!added) {
    t.skip('this hub adds no users over its API (POST /api/v1/users)');
    return;
  }
  const browser = await launchChromium();
  t.after(() => browser.close());
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`${testHub.hub.url}/ledger`);
  if (providers.oidc !== null) {
    const href = await page.getByRole('link', { name: `Sign in with ${providers.oidc.name}` }).getAttribute('href');
    assert.match(href ?? '', /[?&]redirect=%2Fledger$/);
  }
  assert.deepEqual(await axeViolations(page), []);
  await page.getByLabel('User name', { exact: true }).fill('ada');
  await page.getByLabel('Password', { exact: true }).fill('wrong');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong user name or password' }).waitFor();
  await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'Ledger' }).waitFor();
  const session = (await context.cookies()).find((c) => c.name === 'trueup_session');
  assert.equal(session?.httpOnly, true, 'the session cookie is out of scripts\' reach');
  assert.equal(await page.evaluate<string | null>("sessionStorage.getItem('trueup.token')"), null, 'no token kept');
  // The cookie alone does not make a change: the page's own header does (a cross-site form cannot add it).
  const refresh = (headers: string): Promise<number> => page.evaluate<number>(`fetch('/api/v1/environments/none/applications/none/refresh', { method: 'POST', headers: ${headers} }).then((r) => r.status)`);
  assert.equal(await refresh("{ 'x-trueup-request': '1' }"), 404, 'with the header: through to the route (no such application)');
  assert.equal(await refresh('{}'), 403, 'without it: refused');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('User name', { exact: true }).waitFor();
  await page.reload();
  await page.getByLabel('User name', { exact: true }).waitFor();
});
