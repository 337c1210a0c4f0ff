/**
 * OpenID Connect login through the maintained `openid-client`: authorization code with PKCE,
 * state and nonce. A login in progress lives in the store (so the callback may reach another
 * replica), keyed by the SHA-256 of its state, which the browser also holds in a short-lived
 * cookie. The provider's `sub`, `preferred_username`/`name` and `groups` claims become the hub
 * identity `oidc:SUB`. Plain HTTP is allowed only for an issuer on a loopback address.
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
  /** Scopes asked for; default `openid profile email groups`. */
  scopes?: string | undefined;
}

/** Where the CLI waits for the one-time code: its loopback port and its PKCE challenge. */
export interface CliLogin {
  port: number;
  challenge: string;
}

export interface FinishedLogin {
  identity: StoredIdentity;
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
      redirect_uri: this.redirectUri, scope: this.#options.scopes ?? 'openid profile email groups', state, nonce,
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
    let groups = claims[this.#options.groupsClaim ?? 'groups'];
    if (groups === undefined) {
      const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub).catch(() => undefined);
      groups = info?.[this.#options.groupsClaim ?? 'groups'];
    }
    const name = [claims.preferred_username, claims.name, claims.email, claims.sub].find((v): v is string => typeof v === 'string' && v !== '') ?? claims.sub;
    return {
      identity: { kind: 'oidc', subject: `oidc:${claims.sub}`, name, groups: Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string').slice(0, 1000) : [] },
      redirect: typeof pending.redirect === 'string' ? pending.redirect : '/',
      cli: parseCli(pending.cli),
    };
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

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A redirect after login stays on this hub: a path, never another origin (`//host`, `/\host`). */
export function safeRedirect(value: string | undefined): string {
  if (value === undefined || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\') || /[\r\n\t]/.test(value)) return '/';
  return value.slice(0, 2048);
}
