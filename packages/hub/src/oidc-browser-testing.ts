/** A browser's side of an OIDC login to a real hub, for tests: HTTPS calls that keep what the cookies and redirects say. */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import type { HubStore } from '@trueup/store';
import type { HubClient } from './client.ts';

/** What these calls need of a test hub and a test provider (testkit's, passed in by the test). */
interface TestHub { hub: { url: string; tls: { ca: string } } }
interface TestOidcProvider { issuer: string; signIn(authorizationUrl: string, login: string): Promise<string> }

export interface Answer { status: number; location: string | null; cookies: string[]; body: string }

export function call(hub: TestHub, path: string, options: { method?: string; cookie?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, hub.hub.url), { method: options.method ?? 'GET', ca: hub.hub.tls.ca, headers: { ...options.headers, ...(options.cookie === undefined ? {} : { cookie: options.cookie }) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const setCookie = res.headers['set-cookie'] ?? [];
        resolve({ status: res.statusCode ?? 0, location: res.headers.location ?? null, cookies: setCookie, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export const cookieOf = (answer: Answer, name: string): string | undefined => answer.cookies.map((c) => c.split(';')[0] ?? '').find((pair) => pair.startsWith(`${name}=`) && pair.length > name.length + 1);

/** The browser's whole login: hub → provider's form as `login` → hub's callback; returns the callback's answer. */
export async function browserLogin(hub: TestHub, provider: TestOidcProvider, login: string, redirect: string): Promise<{ answer: Answer; callback: string; state: string }> {
  const start = await call(hub, `/auth/oidc/login?redirect=${encodeURIComponent(redirect)}`);
  assert.equal(start.status, 302, start.body);
  assert.ok(start.location?.startsWith(provider.issuer), String(start.location));
  const authorization = new URL(start.location ?? '');
  assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
  assert.ok((authorization.searchParams.get('nonce') ?? '') !== '');
  const state = cookieOf(start, 'trueup_oidc_state') ?? '';
  assert.ok(start.cookies.some((c) => /trueup_oidc_state=.+HttpOnly.*Secure|trueup_oidc_state=.+Secure.*HttpOnly/i.test(c)));
  const callback = await provider.signIn(start.location ?? '', login);
  assert.ok(callback.startsWith(`${hub.hub.url}/auth/oidc/callback?`), callback);
  const answer = await call(hub, new URL(callback).pathname + new URL(callback).search, { cookie: state });
  return { answer, callback, state };
}

/** The whoami groups of a call, or its status when it was refused. */
export async function groupsOf(answer: Promise<Answer>): Promise<string[] | number> {
  const me = await answer;
  return me.status === 200 ? (JSON.parse(me.body) as { groups: string[] }).groups : me.status;
}

/** What OIDC tests look through: an agent's environment `prod` with application `web`, and project `prod` granting viewer to group `viewers`. */
export async function seedProdWebForViewers(hub: TestHub & { hub: { store: HubStore }; client: HubClient }, now: number): Promise<void> {
  const { store } = hub.hub;
  await store.environments.createJoinToken({ id: 'j', environment: 'prod', labels: {}, secretHash: 'x', createdAt: 1, expiresAt: now + 60_000 });
  await store.environments.join('j', { agentId: 'ag', credentialHash: 'x' }, now);
  await store.ledger.ingest('prod', 'ag', 1, now, { kind: 'status', application: 'web', digest: 'd'.repeat(64), status: { name: 'web', revision: 'r1', sync: 'Synced', health: { status: 'Healthy' } } });
  await hub.client.post('/api/v1/projects', { name: 'prod', environments: ['prod'] });
  await hub.client.post('/api/v1/grants', { project: 'prod', role: 'viewer', group: 'viewers' });
}
