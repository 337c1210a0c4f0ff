/**
 * The browser's OpenID Connect login (`/auth/oidc/login` → the provider → `/auth/oidc/callback`
 * → the session cookie and a redirect to a path of this hub), and the CLI's variant: the
 * callback hands a one-time code to the CLI's loopback listener, which trades it (with its PKCE
 * verifier) for an API token at `POST /api/v1/login/cli`.
 */
import { createHash } from 'node:crypto';
import { CliExchangeRequestSchema, TokenCreatedSchema } from '@trueup/api';
import type { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { sha256 } from '../auth.ts';
import type { HubDeps } from '../deps.ts';
import { HubErrors } from '../errors.ts';
import { safeRedirect, type CliLogin } from '../oidc.ts';
import type { RouteSpec } from '../route-spec.ts';
import { randomSecret } from '../secrets.ts';
import { parseBody } from '../validate.ts';
import { setSessionCookie } from './access.ts';

const STATE_COOKIE = 'trueup_oidc_state';
const CLI_CODE_MS = 2 * 60_000;
const CLI_TOKEN_MS = 30 * 86_400_000;

export const oidcSpecs: RouteSpec[] = [
  { method: 'get', path: '/auth/oidc/login', summary: 'Starts an OpenID Connect login (?redirect=/path afterwards); 302 to the provider.', role: 'public', responses: { 302: { description: 'to the provider' } } },
  { method: 'get', path: '/auth/oidc/callback', summary: 'The provider\'s answer: checks state, nonce and PKCE, sets the session cookie, 302 to the redirect path.', role: 'public', responses: { 302: { description: 'logged in' }, 401: { description: 'refused' } } },
  { method: 'post', path: '/api/v1/login/cli', summary: 'The CLI trades the one-time code of its loopback login, with its PKCE verifier, for an API token (30 days).', role: 'public', body: CliExchangeRequestSchema, responses: { 201: { description: 'the token', schema: TokenCreatedSchema }, 401: { description: 'unknown, used or expired code' } } },
];

export function oidcRoutes(app: Hono, deps: HubDeps): void {
  const { store, auth, now } = deps;
  const oidc = () => {
    if (deps.oidc === undefined) throw HubErrors.create('HUB_NOT_FOUND', 'this hub has no OpenID Connect provider: start it with --oidc-issuer and --oidc-client-id');
    return deps.oidc;
  };
  app.get('/auth/oidc/login', async (c) => {
    const provider = oidc();
    const port = Number(c.req.query('cli_port'));
    const challenge = c.req.query('cli_challenge');
    const cli: CliLogin | undefined = c.req.query('cli_port') === undefined ? undefined : { port, challenge: challenge ?? '' };
    if (cli !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535 || !/^[A-Za-z0-9_-]{43}$/.test(cli.challenge))) {
      throw HubErrors.create('HUB_REQUEST_INVALID', 'cli_port must be a port and cli_challenge a base64url S256 challenge', { field: 'cli_port' });
    }
    const { url, state } = await provider.start(safeRedirect(c.req.query('redirect')), cli);
    // SameSite=Lax: the provider's redirect back is a top-level navigation from another site.
    setCookie(c, STATE_COOKIE, state, { httpOnly: true, secure: true, sameSite: 'Lax', path: '/auth/oidc', maxAge: 600 });
    return c.redirect(url.toString(), 302);
  });
  app.get('/auth/oidc/callback', async (c) => {
    const query = new URL(c.req.url).searchParams;
    if (query.has('error')) throw HubErrors.create('HUB_OIDC_FAILED', `the provider refused the login: ${query.get('error')}${query.has('error_description') ? ` (${query.get('error_description')})` : ''}`);
    const finished = await oidc().finish(query, getCookie(c, STATE_COOKIE));
    setCookie(c, STATE_COOKIE, '', { httpOnly: true, secure: true, sameSite: 'Lax', path: '/auth/oidc', maxAge: 0 });
    if (finished.cli !== undefined) {
      const code = randomSecret();
      // The refresh token waits sealed for the CLI's exchange, and then stays with its API token.
      const refresh = finished.refreshToken === undefined || auth.oidc === undefined ? {} : { refresh: auth.oidc.seal(finished.refreshToken, `c:${sha256(code)}`) };
      await store.loginRequests.put(`cli:${sha256(code)}`, { identity: finished.identity, challenge: finished.cli.challenge, ...refresh }, now() + CLI_CODE_MS);
      return c.redirect(`http://127.0.0.1:${finished.cli.port}/callback?code=${encodeURIComponent(code)}`, 302);
    }
    const session = await auth.createSession(finished.identity, finished.refreshToken);
    setSessionCookie(c, session.value, auth.sessionMs);
    await store.ledger.append({ environment: '', at: now(), kind: 'login', actor: finished.identity.subject, details: { method: 'oidc', name: finished.identity.name, groups: finished.identity.groups } });
    return c.redirect(finished.redirect, 302);
  });
  app.post('/api/v1/login/cli', async (c) => {
    const request = await parseBody(CliExchangeRequestSchema, c);
    const pending = await store.loginRequests.take(`cli:${sha256(request.code)}`, now());
    const challenge = createHash('sha256').update(request.verifier).digest('base64url');
    if (pending === undefined || pending.challenge !== challenge) throw HubErrors.create('HUB_LOGIN_FAILED', 'the login code is unknown, used, expired, or not this client\'s');
    const identity = pending.identity as { kind: 'oidc'; subject: string; name: string; groups: string[] };
    const refreshToken = typeof pending.refresh === 'string' ? auth.oidc?.open(pending.refresh, `c:${sha256(request.code)}`) : undefined;
    const made = await auth.createUserToken(identity, request.name, CLI_TOKEN_MS, { refreshToken });
    await store.ledger.append({ environment: '', at: now(), kind: 'login', actor: identity.subject, details: { method: 'oidc', via: 'cli', token: made.id } });
    return c.json({ id: made.id, name: request.name, owner: identity.subject, createdAt: new Date(now()).toISOString(), expiresAt: made.expiresAt === undefined ? null : new Date(made.expiresAt).toISOString(), token: made.token }, 201);
  });
}
