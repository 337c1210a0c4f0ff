/**
 * Who calls the API and what they may do. A caller is a bearer API token (`tut.ID.SECRET`,
 * checked against its scrypt hash) or a browser session cookie; each resolves to an identity
 * (the hub's own tokens with a global role, a local user, an OIDC user with its groups), whose
 * permissions are computed once from the policy. Answers are cached, and the cache is dropped
 * whenever the store's access version moves (a revoked token, a disabled user, a logout, a
 * policy change), which is read on every request: revocation holds at once on every replica.
 * An OIDC identity's groups are asked of its provider again each period (oidc-sessions.ts): a
 * cached one is loaded again once its `recheckAt` has passed.
 */
import { createHash } from 'node:crypto';
import { GLOBAL_PROJECT, type HubStore, type StoredIdentity } from '@trueup/store';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { HubErrors } from './errors.ts';
import { LoginThrottle } from './login-throttle.ts';
import type { OidcSessions } from './oidc-sessions.ts';
import { BUILTIN_ROLES, isBuiltinRole, Permissions, roleVerbs, type ProjectGrant, type Role, type Target, type Verb } from './permissions.ts';
import { hashSecret, parseSecretToken, randomId, randomSecret, verifySecret } from './secrets.ts';

export type { Role } from './permissions.ts';
export const API_TOKEN_PREFIX = 'tut';
export const SESSION_COOKIE = 'trueup_session';
/** Header a cookie-authenticated mutating request must carry (a cross-site form cannot set it). */
export const REQUEST_HEADER = 'x-trueup-request';
const CACHE_LIMIT = 10_000;
const DEFAULT_SESSION_MS = 12 * 3_600_000;

export interface Identity {
  /** `token:NAME` for the hub's own tokens, `user:NAME`, `oidc:…`. */
  subject: string;
  name: string;
  kind: 'user' | 'token' | 'oidc';
  groups: string[];
  /** A hub token's global role. */
  role?: Role | undefined;
  /** Whom user grants name: a local user's name, an OIDC user's subject. */
  grantee?: string | undefined;
  expiresAt?: number | undefined;
  /** When the groups must be asked of the OIDC provider again (a cached identity is loaded again then). */
  recheckAt?: number | undefined;
  /** The session (`s:HASH`) or token (`t:ID`) an OIDC identity came through. */
  holder?: string | undefined;
}

export interface Caller extends Identity {
  via: 'bearer' | 'cookie';
  permissions: Permissions;
}

export class Auth {
  readonly #store: HubStore;
  readonly #now: () => number;
  readonly #sessionMs: number;
  readonly #identities = new Map<string, Identity | undefined>();
  readonly #permissions = new Map<string, Permissions>();
  readonly throttle: LoginThrottle;
  #oidc: OidcSessions | undefined;
  #version = -1;

  constructor(store: HubStore, now: () => number, options: { sessionMs?: number } = {}) {
    this.#store = store;
    this.#now = now;
    this.#sessionMs = options.sessionMs ?? DEFAULT_SESSION_MS;
    this.throttle = new LoginThrottle(store, now);
  }

  /** Keeps OIDC identities' groups current through their provider (a hub with OpenID Connect login). */
  useOidc(sessions: OidcSessions): void {
    this.#oidc = sessions;
  }

  get oidc(): OidcSessions | undefined {
    return this.#oidc;
  }

  /** Makes a hub API token with a global role; the secret is returned once and stored only hashed. */
  async createToken(name: string, role: Role): Promise<string> {
    const id = randomId();
    const secret = randomSecret();
    await this.#store.tokens.create({ id, name, role, secretHash: await hashSecret(secret), createdAt: this.#now() });
    return `${API_TOKEN_PREFIX}.${id}.${secret}`;
  }

  /**
   * A token acting as `identity`, shown once. An OIDC identity's token keeps the login's
   * `refreshToken` (the CLI's login), or follows the login of the session or token it was made
   * through (`madeThrough`), so its groups follow the provider as that login's do.
   */
  async createUserToken(identity: StoredIdentity, name: string, ttlMs?: number, oidc: { refreshToken?: string | undefined; madeThrough?: string | undefined } = {}): Promise<{ id: string; token: string; expiresAt: number | undefined }> {
    const id = randomId();
    const secret = randomSecret();
    const expiresAt = ttlMs === undefined ? undefined : this.#now() + ttlMs;
    await this.#store.tokens.create({ id, name, role: 'user', secretHash: await hashSecret(secret), createdAt: this.#now(), owner: identity.subject, identity, ...(expiresAt === undefined ? {} : { expiresAt }) });
    if (identity.kind === 'oidc' && oidc.madeThrough !== undefined) await this.#oidc?.follow(`t:${id}`, oidc.madeThrough);
    else if (identity.kind === 'oidc') await this.#oidc?.remember(`t:${id}`, identity, oidc.refreshToken);
    return { id, token: `${API_TOKEN_PREFIX}.${id}.${secret}`, expiresAt };
  }

  /** A new browser session for `identity`: the cookie's value, stored only as its SHA-256. */
  async createSession(identity: StoredIdentity, refreshToken?: string): Promise<{ value: string; expiresAt: number }> {
    const value = randomSecret();
    const expiresAt = this.#now() + this.#sessionMs;
    await this.#store.sessions.create(sha256(value), { subject: identity.subject, identity, createdAt: this.#now(), expiresAt });
    if (identity.kind === 'oidc') await this.#oidc?.remember(`s:${sha256(value)}`, identity, refreshToken);
    return { value, expiresAt };
  }

  async endSession(value: string): Promise<void> {
    await this.#store.sessions.delete(sha256(value));
    await this.#oidc?.forget(`s:${sha256(value)}`);
  }

  get sessionMs(): number {
    return this.#sessionMs;
  }

  /** The caller of a bearer header alone (the hub's own use: its admin token file). */
  async authenticate(header: string | undefined): Promise<Caller | undefined> {
    await this.#fresh();
    return this.#bearer(header);
  }

  /** The caller of a request: its bearer token, else its session cookie. */
  async caller(c: Context): Promise<Caller | undefined> {
    await this.#fresh();
    const header = c.req.header('authorization');
    if (header !== undefined) return this.#bearer(header);
    const cookie = getCookie(c, SESSION_COOKIE);
    if (cookie === undefined) return undefined;
    const identity = await this.#cached(`s:${sha256(cookie)}`, async () => {
      const session = await this.#store.sessions.get(sha256(cookie), this.#now());
      return session === undefined ? undefined : this.#live(session.identity, session.expiresAt, `s:${sha256(cookie)}`);
    });
    return identity === undefined ? undefined : this.#callerOf(identity, 'cookie');
  }

  /**
   * The caller, if it may do `need` (a verb, or a role for routes written before verbs) on
   * `target` (undefined: the hub itself). Otherwise HUB_UNAUTHENTICATED; for a read of an
   * object it may not see, HUB_NOT_FOUND; else HUB_FORBIDDEN, after `onDenied` or, for a
   * mutating request, a `denied` entry in the ledger naming who tried.
   */
  async require(c: Context | string | undefined, need: Verb | Role, target?: Target, onDenied?: (caller: Caller) => Promise<void>): Promise<Caller> {
    const caller = typeof c === 'object' ? await this.caller(c) : await this.authenticate(c);
    if (caller === undefined) throw HubErrors.create('HUB_UNAUTHENTICATED');
    const verbs: readonly Verb[] = isBuiltinRole(need) ? BUILTIN_ROLES[need] : [need];
    const resolved = target === undefined || target.labels !== undefined || verbs.every((v) => caller.permissions.everywhere.has(v)) ? target : { ...target, labels: await this.#store.environments.labels(target.environment) };
    if (verbs.every((verb) => caller.permissions.can(verb, resolved))) return caller;
    const method = typeof c === 'object' ? c.req.method : 'POST';
    // What the caller may not see does not exist for it.
    if (method === 'GET' && resolved !== undefined && !caller.permissions.can('get', resolved)) {
      throw HubErrors.create('HUB_NOT_FOUND', resolved.application === undefined ? `no environment "${resolved.environment}"` : `no application "${resolved.application}" in environment "${resolved.environment}"`);
    }
    if (onDenied !== undefined) await onDenied(caller);
    else if (method !== 'GET' && method !== 'HEAD') {
      await this.#store.ledger.append({
        environment: target?.environment ?? '', at: this.#now(), kind: 'denied', application: target?.application, actor: caller.subject,
        details: { verb: isBuiltinRole(need) ? `role:${need}` : need, ...(typeof c === 'object' ? { method, path: c.req.path } : {}) },
      });
    }
    throw HubErrors.create('HUB_FORBIDDEN', `${caller.subject} may not ${isBuiltinRole(need) ? `do this (role ${need} is needed)` : need}${target === undefined ? ' on this hub' : ` in ${target.environment}${target.application === undefined ? '' : `/${target.application}`}`}`);
  }

  /** The caller, whatever it may do (a list then shows it what it may see, maybe nothing). */
  async requireCaller(c: Context): Promise<Caller> {
    const caller = await this.caller(c);
    if (caller === undefined) throw HubErrors.create('HUB_UNAUTHENTICATED');
    return caller;
  }

  /** The caller, if it holds `verb` somewhere (the route then checks each object it touches). */
  async requireSomewhere(c: Context, verb: Verb): Promise<Caller> {
    const caller = await this.caller(c);
    if (caller === undefined) throw HubErrors.create('HUB_UNAUTHENTICATED');
    if (caller.permissions.anywhere(verb)) return caller;
    return this.require(c, verb);
  }

  /** Whether the caller may see an application or (without one) an environment. */
  async canSee(caller: Caller, environment: string, application?: string): Promise<boolean> {
    if (caller.permissions.everywhere.has('get')) return true;
    return caller.permissions.can('get', { environment, application, labels: await this.#store.environments.labels(environment) });
  }

  /** The caller a stored identity makes (right after a login). */
  async callerFor(identity: StoredIdentity, via: Caller['via']): Promise<Caller> {
    await this.#fresh();
    return this.#callerOf(fromStored(identity, undefined), via);
  }

  /** Drops every cache when the access version moved since the last request. */
  async #fresh(): Promise<void> {
    const version = await this.#store.accessVersion();
    if (version === this.#version) return;
    this.#identities.clear();
    this.#permissions.clear();
    this.#version = version;
  }

  async #bearer(header: string | undefined): Promise<Caller | undefined> {
    const token = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
    if (token === undefined) return undefined;
    const identity = await this.#cached(`t:${sha256(token)}`, () => this.#checkToken(token));
    return identity === undefined ? undefined : this.#callerOf(identity, 'bearer');
  }

  async #cached(key: string, load: () => Promise<Identity | undefined>): Promise<Identity | undefined> {
    let identity: Identity | undefined;
    const cached = this.#identities.get(key);
    if (this.#identities.has(key) && (cached?.recheckAt === undefined || cached.recheckAt > this.#now())) identity = cached;
    else {
      identity = await load();
      if (this.#identities.size > CACHE_LIMIT) this.#identities.clear();
      this.#identities.set(key, identity);
    }
    return identity !== undefined && identity.expiresAt !== undefined && identity.expiresAt <= this.#now() ? undefined : identity;
  }

  async #checkToken(token: string): Promise<Identity | undefined> {
    const parsed = parseSecretToken(API_TOKEN_PREFIX, token);
    if (parsed === undefined) return undefined;
    const record = await this.#store.tokens.get(parsed.id);
    if (record === undefined || record.revokedAt !== undefined) return undefined;
    if (!(await verifySecret(parsed.secret, record.secretHash))) return undefined;
    if (record.identity !== undefined) {
      const identity = await this.#live(record.identity, record.expiresAt, `t:${parsed.id}`);
      return identity === undefined ? undefined : { ...identity, kind: 'token' };
    }
    if (!isBuiltinRole(record.role)) return undefined;
    return { subject: `token:${record.name}`, name: record.name, kind: 'token', groups: [], role: record.role, expiresAt: record.expiresAt };
  }

  /**
   * A local user's identity as the users table has it now (groups, disabled); an OIDC one as its
   * provider last said (asked again each period), or as it logged in when nothing is kept for it.
   * `holder` is the session (`s:HASH`) or token (`t:ID`) it comes through: ended when the provider refuses.
   */
  async #live(stored: StoredIdentity, expiresAt: number | undefined, holder: string): Promise<Identity | undefined> {
    if (stored.kind === 'oidc') {
      const check = this.#oidc === undefined ? { state: 'unchecked' as const } : await this.#oidc.check(holder);
      switch (check.state) {
        case 'unchecked':
          return { ...fromStored(stored, expiresAt), holder };
        case 'live':
          return { ...fromStored(check.identity, expiresAt), recheckAt: check.recheckAt, holder };
        case 'ended':
          for (const ended of check.holders) await this.#end(ended, stored.subject, check.reason);
          return undefined;
      }
    }
    const user = await this.#store.users.get(stored.name);
    if (user === undefined || user.disabledAt !== undefined) return undefined;
    return fromStored({ ...stored, groups: user.groups }, expiresAt);
  }

  /** Ends the session or revokes the token of an OIDC login that is over, on every replica. */
  async #end(holder: string, subject: string, reason: string): Promise<void> {
    const id = holder.slice(2);
    const ended = holder.startsWith('s:') ? await this.#store.sessions.delete(id) : await this.#store.tokens.revoke(id, this.#now());
    if (!ended) return;
    await this.#store.ledger.append({ environment: '', at: this.#now(), kind: holder.startsWith('s:') ? 'session-ended' : 'token-revoked', actor: subject, details: { reason, ...(holder.startsWith('t:') ? { id } : {}) } });
  }

  async #callerOf(identity: Identity, via: Caller['via']): Promise<Caller> {
    const key = `${identity.subject}\n${identity.role ?? ''}\n${[...identity.groups].sort().join('\n')}`;
    let permissions = this.#permissions.get(key);
    if (permissions === undefined) {
      permissions = await this.#load(identity);
      if (this.#permissions.size > CACHE_LIMIT) this.#permissions.clear();
      this.#permissions.set(key, permissions);
    }
    return { ...identity, via, permissions };
  }

  async #load(identity: Identity): Promise<Permissions> {
    const grants: ProjectGrant[] = [];
    const everything = { environments: ['*'], applications: ['*'], labels: {} };
    if (identity.role !== undefined) grants.push({ project: GLOBAL_PROJECT, role: identity.role, verbs: BUILTIN_ROLES[identity.role], scope: everything });
    const reached = await this.#store.policy.grantsFor(identity.grantee, identity.groups);
    if (reached.length > 0) {
      const custom = new Map((await this.#store.policy.roles()).map((r) => [r.name, r.verbs]));
      for (const { grant, project } of reached) {
        grants.push({ project: project.name, role: grant.role, verbs: roleVerbs(grant.role, custom), scope: { environments: project.environments, applications: project.applications, labels: project.labels } });
      }
    }
    return new Permissions(grants);
  }
}

function fromStored(identity: StoredIdentity, expiresAt: number | undefined): Identity {
  return { subject: identity.subject, name: identity.name, kind: identity.kind, groups: identity.groups, grantee: identity.kind === 'user' ? identity.name : identity.subject, expiresAt };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
