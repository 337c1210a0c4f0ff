/**
 * Signing in through OpenID Connect in headless Chromium: a real hub configured with the
 * testkit's real provider (`oidc-provider`, its own login form). The sign-in page's button goes
 * to the provider, the provider's form signs in, the hub's callback starts a session and brings
 * the browser back to the page it started on, signed in with the provider's groups; signing out
 * ends the session.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestHub } from '@trueup/testkit/hub';
import { startOidcProvider } from '@trueup/testkit/oidc-provider';
import { axeViolations, launchChromium, skipWithoutChromium } from './testing.ts';

const CLIENT = { clientId: 'trueup-hub', clientSecret: 'client-secret-for-web-tests' };

test('sign in with the OpenID Connect provider from the sign-in page', { skip: skipWithoutChromium() }, async (t) => {
  const provider = await startOidcProvider({ carol: { name: 'Carol C', groups: ['ops'] } });
  t.after(() => provider.stop());
  const testHub = await startTestHub({ oidc: { issuer: provider.issuer, ...CLIENT, name: 'Test IdP' } });
  t.after(() => testHub.stop());
  provider.setClient({ ...CLIENT, redirectUris: [`${testHub.hub.url}/auth/oidc/callback`] });
  await testHub.client.post('/api/v1/grants', { project: '*', role: 'operator', group: 'ops' });

  const browser = await launchChromium();
  t.after(() => browser.close());
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`${testHub.hub.url}/ledger`);
  const button = page.getByRole('link', { name: 'Sign in with Test IdP' });
  await button.waitFor();
  assert.deepEqual(await axeViolations(page), []);
  await button.click();

  // The provider's own login form (its development form: any login name).
  await page.waitForURL((url) => url.origin === provider.issuer);
  await page.getByPlaceholder('Enter any login').fill('carol');
  await page.getByPlaceholder('and password').fill('any');
  await page.getByRole('button', { name: 'Sign-in' }).click();

  // Back on the hub, on the page the sign-in started from, signed in as carol with her group's role.
  await page.waitForURL(`${testHub.hub.url}/ledger`);
  await page.getByRole('heading', { name: 'Ledger' }).waitFor();
  const who = await page.evaluate<{ subject: string; kind: string; groups: string[]; can: Record<string, boolean> }>("fetch('/api/v1/whoami').then((r) => r.json())");
  assert.deepEqual([who.subject, who.kind, who.groups, who.can.sync], ['oidc:carol', 'oidc', ['ops'], true]);
  await page.getByRole('banner').getByText(/^carol$|^Carol C$/).waitFor();
  const session = (await context.cookies()).find((c) => c.name === 'trueup_session');
  assert.equal(session?.httpOnly, true, 'the session cookie is out of scripts\' reach');
  assert.equal(await page.evaluate<string | null>("sessionStorage.getItem('trueup.token')"), null, 'no token kept');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await button.waitFor();
  assert.equal(await page.evaluate<number>("fetch('/api/v1/whoami').then((r) => r.status)"), 401, 'the session ended at the hub');
});
