/**
 * Keeps an OpenID Connect user's groups current after login. A session or CLI token made by an
 * OIDC login keeps the provider's refresh token (sealed) beside it; once `groupsRefreshMs` has
 * passed since the last check, the next request through it trades that token for new ones and
 * takes the groups they carry. A user removed from a group loses what the group granted within
 * that bound; a refresh the provider refuses (a user it no longer knows, a revoked grant) ends the
 * session or revokes the token. While the provider cannot be reached, the groups last seen hold
 * and are asked for again after another period. Replicas claim each check in the store first,
 * so a refresh token is spent by one of them.
 *
 * An API token an OIDC user makes follows the login it was made from (the session or CLI token
 * it was made with): it is checked through that login, loses a group with it, and is revoked with
 * it. A login whose provider issued no refresh token cannot be asked again: its sessions and
 * tokens end once its groups are older than `groupsMaxAgeMs`, and the user logs in again.
 */
import type { HubStore, StoredIdentity } from '@trueup/store';
import type { HubOidc } from './oidc.ts';
import type { SecretBox } from './secret-box.ts';

/** How soon a replica that lost the claim of a check reads the winner's answer. */
const CLAIM_LOST_RETRY_MS = 2_000;
/** A claim older than this is taken to belong to a replica that died mid-check. */
const CLAIM_STALE_MS = 60_000;

export type OidcCheck =
  /** Nothing is kept for this holder (made before logins were kept): the identity stays as at login. */
  | { state: 'unchecked' }
  | { state: 'live'; identity: StoredIdentity; recheckAt: number }
  /** The login is over: `holders` (the login and the tokens following it) must end. */
  | { state: 'ended'; reason: string; holders: string[] };

export interface OidcSessionsDeps {
  store: HubStore;
  box: SecretBox;
  oidc: HubOidc;
  now: () => number;
  log: (message: string) => void;
}

export class OidcSessions {
  readonly #deps: OidcSessionsDeps;

  constructor(deps: OidcSessionsDeps) {
    this.#deps = deps;
  }

  /** Keeps what a login got for `holder` (`s:HASH` for a session, `t:ID` for a token). */
  async remember(holder: string, identity: StoredIdentity, refreshToken: string | undefined): Promise<void> {
    const { store, box, oidc, now, log } = this.#deps;
    if (refreshToken === undefined) {
      log(`OIDC login of ${identity.subject}: the provider issued no refresh token, so its groups cannot be asked again and it must log in again after ${formatMs(oidc.groupsMaxAgeMs)} (ask for scope offline_access)`);
    }
    await store.oidcRefresh.put(holder, { identity, refresh: refreshToken === undefined ? undefined : box.seal(refreshToken, scope(holder)), checkedAt: now() });
  }

  /** A token made through `holder` (a session or token of an OIDC login) follows that login. */
  async follow(token: string, holder: string): Promise<void> {
    const { store } = this.#deps;
    const login = await store.oidcRefresh.loginOf(holder);
    if ((await store.oidcRefresh.get(login)) !== undefined) await store.oidcRefresh.follow(token, login);
  }

  /** The identity `holder` acts as now, asking the provider again when the last answer is older than the period. */
  async check(holder: string): Promise<OidcCheck> {
    const { store, box, oidc, now, log } = this.#deps;
    const periodMs = oidc.groupsRefreshMs;
    const login = await store.oidcRefresh.loginOf(holder);
    const record = await store.oidcRefresh.get(login);
    if (record === undefined) return { state: 'unchecked' };
    if (record.refresh === undefined) {
      const endsAt = record.checkedAt + oidc.groupsMaxAgeMs;
      if (now() < endsAt) return { state: 'live', identity: record.identity, recheckAt: endsAt };
      return this.#end(login, `the provider issued no refresh token and the groups of the login are older than ${formatMs(oidc.groupsMaxAgeMs)}: log in again`);
    }
    if (now() < record.checkedAt + periodMs) return { state: 'live', identity: record.identity, recheckAt: record.checkedAt + periodMs };
    const checkedAt = now();
    if (!(await store.oidcRefresh.claim(login, record.checkedAt, checkedAt, checkedAt - CLAIM_STALE_MS))) {
      // Another replica is checking: what was known holds a moment, then its answer is read.
      return { state: 'live', identity: record.identity, recheckAt: checkedAt + Math.min(periodMs, CLAIM_LOST_RETRY_MS) };
    }
    let answer: Awaited<ReturnType<HubOidc['refresh']>>;
    try {
      answer = await oidc.refresh(box.open(record.refresh, scope(login)), record.identity.subject);
    } catch (error) {
      log(`OIDC groups of ${record.identity.subject}: ${error instanceof Error ? error.message : String(error)}; the groups last seen hold until the next check`);
      await store.oidcRefresh.put(login, { ...record, checkedAt });
      return { state: 'live', identity: record.identity, recheckAt: checkedAt + periodMs };
    }
    if (answer.outcome === 'refused') return this.#end(login, `the provider refused: ${answer.reason}`);
    const identity = { ...record.identity, groups: answer.groups };
    const refresh = answer.refreshToken === undefined ? record.refresh : box.seal(answer.refreshToken, scope(login));
    await store.oidcRefresh.put(login, { identity, refresh, checkedAt });
    if (!sameGroups(record.identity.groups, identity.groups)) {
      await store.ledger.append({ environment: '', at: checkedAt, kind: 'groups-changed', actor: identity.subject, details: { from: record.identity.groups, to: identity.groups } });
    }
    return { state: 'live', identity, recheckAt: checkedAt + periodMs };
  }

  async #end(login: string, reason: string): Promise<OidcCheck> {
    const { store } = this.#deps;
    const holders = [login, ...(await store.oidcRefresh.followers(login))];
    await store.oidcRefresh.delete(login);
    return { state: 'ended', reason, holders };
  }

  /** A refresh token sealed to wait elsewhere (a CLI login's one-time code), under `label`. */
  seal(refreshToken: string, label: string): string {
    return this.#deps.box.seal(refreshToken, scope(label));
  }

  open(sealed: string, label: string): string {
    return this.#deps.box.open(sealed, scope(label));
  }

  /** The holder logged out: what it kept goes, unless tokens made through it still follow it. */
  async forget(holder: string): Promise<void> {
    await this.#deps.store.oidcRefresh.release(holder);
  }
}

function scope(holder: string): string {
  return `oidc-refresh\n${holder}`;
}

function formatMs(ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;
}

function sameGroups(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
}
