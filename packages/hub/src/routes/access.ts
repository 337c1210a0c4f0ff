/**
 * Logging in and out, who the caller is, which login providers exist, and the caller's API
 * tokens. A password login sets the session cookie (HttpOnly, Secure, SameSite=Strict); the
 * CLI then trades the session for an API token. Failed logins are slowed per user and address,
 * counted in the store for every replica.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import { AuthProvidersSchema, LoginRequestSchema, TokenCreatedSchema, TokenCreateRequestSchema, TokenSchema, WhoAmISchema, type WhoAmI } from '@trueup/api';
import type { StoredIdentity } from '@trueup/store';
import type { Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { SESSION_COOKIE, type Caller } from '../auth.ts';
import type { HubDeps } from '../deps.ts';
import { HubErrors } from '../errors.ts';
import { VERBS } from '../permissions.ts';
import type { RouteSpec } from '../route-spec.ts';
import { hashSecret, verifySecret } from '../secrets.ts';
import { parseBody } from '../validate.ts';

/** Checked when the user is unknown, so a wrong name costs as much time as a wrong password. */
const DUMMY_HASH = hashSecret('not-a-password-of-anyone');

export const accessSpecs: RouteSpec[] = [
  { method: 'post', path: '/api/v1/login', summary: 'Password login: sets the session cookie trueup_session (HttpOnly; Secure; SameSite=Strict). Failed attempts are slowed per user and address.', role: 'public', body: LoginRequestSchema, responses: { 200: { description: 'logged in', schema: WhoAmISchema }, 401: { description: 'unknown user or wrong password' }, 429: { description: 'too many failures: wait' } } },
  { method: 'post', path: '/api/v1/logout', summary: 'Ends the session of the cookie (with header X-Trueup-Request: 1).', role: 'public', responses: { 204: { description: 'logged out' } } },
  { method: 'get', path: '/api/v1/whoami', summary: 'The caller: identity, groups, projects with role and verbs, and each verb held anywhere.', role: 'viewer', responses: { 200: { description: 'the caller', schema: WhoAmISchema } } },
  { method: 'get', path: '/api/v1/auth/providers', summary: 'How one can log in: password, and the OpenID Connect provider if one is configured.', role: 'public', responses: { 200: { description: 'providers', schema: AuthProvidersSchema } } },
  { method: 'get', path: '/api/v1/tokens', summary: 'The caller\'s API tokens (every user\'s with ?all=true and the tokens verb); secrets are never shown again.', role: 'viewer', responses: { 200: { description: 'tokens', schema: z.object({ items: z.array(TokenSchema) }) } } },
  { method: 'post', path: '/api/v1/tokens', summary: 'A new API token acting as the caller (or, with the tokens verb, as the named local user), optionally expiring; the secret is shown once. An OpenID Connect user\'s token follows the login it is made through: its groups are those the provider gives that login, and it is revoked when the provider refuses it.', role: 'viewer', body: TokenCreateRequestSchema, responses: { 201: { description: 'the token', schema: TokenCreatedSchema } } },
  { method: 'post', path: '/api/v1/tokens/{id}/revoke', summary: 'Revokes a token (one\'s own, or any with the tokens verb), at once on every replica.', role: 'viewer', responses: { 204: { description: 'revoked' }, 404: { description: 'no such live token' } } },
];

export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function whoami(caller: Caller): WhoAmI {
  return {
    subject: caller.subject,
    name: caller.name,
    kind: caller.kind,
    groups: caller.groups,
    admin: caller.permissions.admin,
    projects: caller.permissions.grants.map((g) => ({ name: g.project, role: g.role, verbs: [...g.verbs] })),
    can: Object.fromEntries(VERBS.map((verb) => [verb, caller.permissions.anywhere(verb)])),
  };
}

/** The identity a session or a user's token carries (the hub's own tokens have none). */
export function storedIdentity(caller: Caller): StoredIdentity | undefined {
  if (caller.role !== undefined || caller.grantee === undefined) return undefined;
  return { kind: caller.subject.startsWith('oidc:') ? 'oidc' : 'user', subject: caller.subject, name: caller.name, groups: caller.groups };
}

export function setSessionCookie(c: Context, value: string, maxAgeMs: number): void {
  setCookie(c, SESSION_COOKIE, value, { httpOnly: true, secure: true, sameSite: 'Strict', path: '/', maxAge: Math.floor(maxAgeMs / 1000) });
}

export function parseTokenTtl(ttl: string): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(ttl);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match?.[2] as 's' | 'm' | 'h' | 'd'];
  const ms = match === null ? Number.NaN : Number(match[1]) * unit;
  if (!(ms > 0 && ms <= 366 * 86_400_000)) throw HubErrors.create('HUB_REQUEST_INVALID', `invalid ttl "${ttl}": expected 30m, 12h or 90d, at most 366d`, { field: 'body.ttl' });
  return ms;
}

export function accessRoutes(app: Hono, deps: HubDeps): void {
  const { store, auth, now } = deps;
  app.post('/api/v1/login', async (c) => {
    // JSON only: a cross-site form cannot send it without a preflight the hub never answers (login CSRF).
    if (!/^application\/json\b/i.test(c.req.header('content-type') ?? '')) throw HubErrors.create('HUB_REQUEST_INVALID', 'a login is a JSON body with content-type application/json', { field: 'content-type' });
    const { username, password } = await parseBody(LoginRequestSchema, c);
    const address = clientAddress(c);
    const wait = await auth.throttle.waitMs(username, address);
    if (wait > 0) {
      c.header('retry-after', String(Math.ceil(wait / 1000)));
      throw HubErrors.create('HUB_LOGIN_THROTTLED', `too many failed logins for "${username}" from ${address}: try again in ${Math.ceil(wait / 1000)} s`);
    }
    const user = await store.users.get(username);
    const ok = await verifySecret(password, user?.passwordHash ?? (await DUMMY_HASH));
    if (!ok || user === undefined || user.passwordHash === undefined || user.disabledAt !== undefined) {
      await auth.throttle.failed(username, address);
      await store.ledger.append({ environment: '', at: now(), kind: 'login-failed', actor: `user:${username}`, details: { address } });
      throw HubErrors.create('HUB_LOGIN_FAILED');
    }
    await auth.throttle.succeeded(username, address);
    const session = await auth.createSession({ kind: 'user', subject: `user:${user.name}`, name: user.name, groups: user.groups });
    setSessionCookie(c, session.value, auth.sessionMs);
    await store.ledger.append({ environment: '', at: now(), kind: 'login', actor: `user:${user.name}`, details: { method: 'password', address } });
    return c.json(whoami(await auth.callerFor({ kind: 'user', subject: `user:${user.name}`, name: user.name, groups: user.groups }, 'cookie')));
  });
  app.post('/api/v1/logout', async (c) => {
    const cookie = getCookie(c, SESSION_COOKIE);
    if (cookie !== undefined) {
      const caller = await auth.caller(c);
      await auth.endSession(cookie);
      if (caller !== undefined) await store.ledger.append({ environment: '', at: now(), kind: 'logout', actor: caller.subject, details: {} });
    }
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true, httpOnly: true, sameSite: 'Strict' });
    return c.body(null, 204);
  });
  app.get('/api/v1/whoami', async (c) => {
    const caller = await auth.caller(c);
    if (caller === undefined) throw HubErrors.create('HUB_UNAUTHENTICATED');
    return c.json(whoami(caller));
  });
  app.get('/api/v1/auth/providers', (c) => c.json({ password: true, oidc: deps.oidc === undefined ? null : { name: deps.oidc.name, loginUrl: '/auth/oidc/login' } }));

  app.get('/api/v1/tokens', async (c) => {
    const caller = await signedIn(c, deps);
    const all = c.req.query('all') === 'true';
    if (all) await auth.require(c, 'tokens');
    const items = await store.tokens.list(all ? undefined : caller.subject);
    return c.json({ items: items.map((t) => showToken(t)) });
  });
  app.post('/api/v1/tokens', async (c) => {
    const caller = await signedIn(c, deps);
    const request = await parseBody(TokenCreateRequestSchema.extend({ user: z.string().min(1).max(64).optional() }), c);
    let identity = storedIdentity(caller);
    if (request.user !== undefined && request.user !== identity?.name) {
      await auth.require(c, 'tokens');
      const user = await store.users.get(request.user);
      if (user === undefined || user.disabledAt !== undefined) throw HubErrors.create('HUB_NOT_FOUND', `no active user "${request.user}"`);
      identity = { kind: 'user', subject: `user:${user.name}`, name: user.name, groups: user.groups };
    }
    if (identity === undefined) throw HubErrors.create('HUB_REQUEST_INVALID', 'the hub\'s own tokens act as no user: name one with "user" (a local user, e.g. for CI)', { field: 'body.user' });
    // A token an OIDC user makes for themselves follows the login it is made through (ADR 26).
    const madeThrough = identity.kind === 'oidc' && request.user === undefined ? caller.holder : undefined;
    const made = await auth.createUserToken(identity, request.name, request.ttl === undefined ? undefined : parseTokenTtl(request.ttl), { madeThrough });
    await store.ledger.append({ environment: '', at: now(), kind: 'token-created', actor: caller.subject, details: { id: made.id, name: request.name, owner: identity.subject, ...(made.expiresAt === undefined ? {} : { expiresAt: new Date(made.expiresAt).toISOString() }) } });
    return c.json({ ...showToken({ id: made.id, name: request.name, owner: identity.subject, createdAt: now(), expiresAt: made.expiresAt }), token: made.token }, 201);
  });
  app.post('/api/v1/tokens/:id/revoke', async (c) => {
    const caller = await signedIn(c, deps);
    const id = c.req.param('id');
    const own = await store.tokens.revoke(id, now(), caller.subject);
    if (!own) {
      await auth.require(c, 'tokens');
      if (!(await store.tokens.revoke(id, now()))) throw HubErrors.create('HUB_NOT_FOUND', `no live token "${id}"`);
    }
    await store.ledger.append({ environment: '', at: now(), kind: 'token-revoked', actor: caller.subject, details: { id } });
    return c.body(null, 204);
  });
}

async function signedIn(c: Context, { auth }: HubDeps): Promise<Caller> {
  const caller = await auth.caller(c);
  if (caller === undefined) throw HubErrors.create('HUB_UNAUTHENTICATED');
  return caller;
}

function showToken(t: { id: string; name: string; owner?: string | undefined; createdAt: number; expiresAt?: number | undefined }): z.infer<typeof TokenSchema> {
  return { id: t.id, name: t.name, owner: t.owner ?? null, createdAt: new Date(t.createdAt).toISOString(), expiresAt: t.expiresAt === undefined ? null : new Date(t.expiresAt).toISOString() };
}
