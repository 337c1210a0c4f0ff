/**
 * OpenID Connect login through the maintained `openid-client`: authorization code with PKCE,
 * state and nonce. A login in progress lives in the store (so the callback may reach another
 * replica), keyed by the SHA-256 of its state, which the browser also holds in a short-lived
 * cookie. The provider's `sub`, `preferred_username`/`name` and `groups` claims become the hub
 * identity `oidc:SUB`. Plain HTTP is allowed only for an issuer on a loopback address. With a
 * refresh token (scope `offline_access`, or a provider that issues one anyway) the hub asks the
 * provider again every `groupsRefreshMs` for the user's groups (oidc-sessions.ts).
 */
import * as client from 'openid-client';
import type { HubStore, StoredIdentity } from '@trueup/store';
import { sha256 } from './auth.ts';
import { HubErrors } from './errors.ts';

export interface OidcOptions {
  issuer: string;
  clientId: string;
  clientSecret?: string | undefined;
  /** Shown on the login page; default the issuer's host. */
  name?: string | undefined;
  /** The claim holding the groups; default `groups`. */
  groupsClaim?: string | undefined;
  /** Scopes asked for; default `openid profile email groups offline_access`. */
  scopes?: string | undefined;
  /** How often a session's groups are asked of the provider again (with its refresh token); default 5 minutes. */
  groupsRefreshMs?: number | undefined;
  /** How long the groups of a login without a refresh token hold before it must log in again; default 12 hours. */
  groupsMaxAgeMs?: number | undefined;
}

export const DEFAULT_OIDC_SCOPES = 'openid profile email groups offline_access';
export const DEFAULT_GROUPS_REFRESH_MS = 5 * 60_000;
export const DEFAULT_GROUPS_MAX_AGE_MS = 12 * 3_600_000;

/** What the provider says of a user when the hub asks again: its groups now, and the refresh token to use next. */
export type OidcRefreshed =
  | { outcome: 'current'; groups: string[]; refreshToken: string | undefined }
  /** The provider refused the refresh token (revoked, expired, or a user it no longer knows). */
  | { outcome: 'refused'; reason: string };

/** Where the CLI waits for the one-time code: its loopback port and its PKCE challenge. */
export interface CliLogin {
  port: number;
  challenge: string;
}

export interface FinishedLogin {
  identity: StoredIdentity;
  /** Given when the provider issued one: the groups are asked again with it. */
  refreshToken: string | undefined;
  redirect: string;
  cli: CliLogin | undefined;
}

const LOGIN_MS = 10 * 60_000;

export class HubOidc {
  readonly name: string;
  readonly #options: OidcOptions;
  readonly #store: HubStore;
  readonly #now: () => number;
  readonly #hubUrl: () => string;
  #config: Promise<client.Configuration> | undefined;

  constructor(options: OidcOptions, deps: { store: HubStore; now: () => number; hubUrl: () => string }) {
    const issuer = new URL(options.issuer);
    if (issuer.protocol !== 'https:' && !isLoopback(issuer.hostname)) throw HubErrors.create('HUB_REQUEST_INVALID', `--oidc-issuer ${options.issuer}: an issuer must use https (plain http only on a loopback address)`, { field: 'oidc-issuer' });
    this.name = options.name ?? issuer.host;
    this.#options = options;
    this.#store = deps.store;
    this.#now = deps.now;
    this.#hubUrl = deps.hubUrl;
  }

  get redirectUri(): string {
    return new URL('/auth/oidc/callback', this.#hubUrl()).toString();
  }

  /** The provider's authorization URL for a new login; `state` goes into the browser's cookie. */
  async start(redirect: string, cli: CliLogin | undefined): Promise<{ url: URL; state: string }> {
    const config = await this.#discover();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    await this.#store.loginRequests.put(`oidc:${sha256(state)}`, { verifier, nonce, redirect, ...(cli === undefined ? {} : { cli }) }, this.#now() + LOGIN_MS);
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri, scope: this.#options.scopes ?? DEFAULT_OIDC_SCOPES, state, nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    return { url, state };
  }

  /** Checks the provider's answer against the login it belongs to, trades the code, and maps the claims. */
  async finish(query: URLSearchParams, stateCookie: string | undefined): Promise<FinishedLogin> {
    const state = query.get('state') ?? '';
    if (state === '' || stateCookie !== state) throw HubErrors.create('HUB_OIDC_FAILED', 'the login\'s state does not match this browser\'s: start the login again');
    const pending = await this.#store.loginRequests.take(`oidc:${sha256(state)}`, this.#now());
    if (pending === undefined) throw HubErrors.create('HUB_OIDC_FAILED', 'this login is unknown, used or expired: start it again');
    const config = await this.#discover();
    const current = new URL(this.redirectUri);
    for (const [key, value] of query) current.searchParams.append(key, value);
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, current, { pkceCodeVerifier: String(pending.verifier), expectedState: state, expectedNonce: String(pending.nonce), idTokenExpected: true });
    } catch (error) {
      throw HubErrors.create('HUB_OIDC_FAILED', `the provider's answer was refused: ${error instanceof Error ? error.message : String(error)}`);
    }
    const claims = tokens.claims();
    if (claims === undefined) throw HubErrors.create('HUB_OIDC_FAILED', 'the provider sent no ID token');
    const groups = await this.#groups(config, claims, tokens.access_token);
    const name = [claims.preferred_username, claims.name, claims.email, claims.sub].find((v): v is string => typeof v === 'string' && v !== '') ?? claims.sub;
    return {
      identity: { kind: 'oidc', subject: `oidc:${claims.sub}`, name, groups },
      refreshToken: tokens.refresh_token,
      redirect: typeof pending.redirect === 'string' ? pending.redirect : '/',
      cli: parseCli(pending.cli),
    };
  }

  /**
   * Trades the refresh token for new tokens and reads the user's groups from them (or from the
   * userinfo endpoint). A refusal by the provider is an answer; a provider that cannot be reached
   * throws HUB_UNAVAILABLE.
   */
  async refresh(refreshToken: string, subject: string): Promise<OidcRefreshed> {
    const config = await this.#discover();
    let tokens: Awaited<ReturnType<typeof client.refreshTokenGrant>>;
    try {
      tokens = await client.refreshTokenGrant(config, refreshToken);
    } catch (error) {
      if (error instanceof client.ResponseBodyError) return { outcome: 'refused', reason: `${error.error}${error.error_description === undefined ? '' : `: ${error.error_description}`}` };
      throw HubErrors.create('HUB_UNAVAILABLE', `the OpenID provider ${this.#options.issuer} did not answer a refresh: ${error instanceof Error ? error.message : String(error)}`);
    }
    const claims = tokens.claims();
    if (claims !== undefined && `oidc:${claims.sub}` !== subject) return { outcome: 'refused', reason: 'the provider answered for another user' };
    let info: Record<string, unknown> | undefined = claims;
    if (info === undefined) {
      try {
        info = await client.fetchUserInfo(config, tokens.access_token, client.skipSubjectCheck);
      } catch (error) {
        throw HubErrors.create('HUB_UNAVAILABLE', `the OpenID provider ${this.#options.issuer} did not say who the user is: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (`oidc:${String(info.sub)}` !== subject) return { outcome: 'refused', reason: 'the provider answered for another user' };
    return { outcome: 'current', groups: await this.#groups(config, info, tokens.access_token), refreshToken: tokens.refresh_token };
  }

  /** The groups claim of an ID token, or of the userinfo answer when the token has none. */
  async #groups(config: client.Configuration, claims: Record<string, unknown>, accessToken: string): Promise<string[]> {
    const claim = this.#options.groupsClaim ?? 'groups';
    let groups = claims[claim];
    if (groups === undefined) {
      const info = await client.fetchUserInfo(config, accessToken, String(claims.sub)).catch(() => undefined);
      groups = info?.[claim];
    }
    return Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string').slice(0, 1000) : [];
  }

  get groupsRefreshMs(): number {
    return this.#options.groupsRefreshMs ?? DEFAULT_GROUPS_REFRESH_MS;
  }

  get groupsMaxAgeMs(): number {
    return this.#options.groupsMaxAgeMs ?? DEFAULT_GROUPS_MAX_AGE_MS;
  }

  async #discover(): Promise<client.Configuration> {
    this.#config ??= (async () => {
      const issuer = new URL(this.#options.issuer);
      const auth = this.#options.clientSecret === undefined ? client.None() : client.ClientSecretBasic(this.#options.clientSecret);
      return client.discovery(issuer, this.#options.clientId, undefined, auth, isLoopback(issuer.hostname) && issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : undefined);
    })();
    try {
      return await this.#config;
    } catch (error) {
      this.#config = undefined;
      throw HubErrors.create('HUB_UNAVAILABLE', `the OpenID provider ${this.#options.issuer} cannot be reached: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

function parseCli(value: unknown): CliLogin | undefined {
  const cli = value as Partial<CliLogin> | undefined;
  return typeof cli?.port === 'number' && typeof cli.challenge === 'string' ? { port: cli.port, challenge: cli.challenge } : undefined;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A redirect after login stays on this hub: a path, never another origin (`//host`, `/\host`). */
export function safeRedirect(value: string | undefined): string {
  if (value === undefined || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\') || /[\r\n\t]/.test(value)) return '/';
  return value.slice(0, 2048);
}
