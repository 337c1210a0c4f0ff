/**
 * What an OpenID Connect login holds from its provider, per holder (`s:` and the session's hash,
 * `t:` and an API token's id): the identity with its groups as last checked, the refresh token
 * (sealed by the hub; none when the provider issued none), and when it was checked. One replica
 * at a time checks a holder: it first claims the check (`claimed_at`, set only while the check it
 * saw is still the last one and no other claim is live), so a refresh token is spent once even
 * when replicas look at the same session together; storing the answer ends the claim.
 *
 * An API token made by an OIDC user follows the login it was made from (`oidc_followers`): it is
 * checked through that login's record, which lives as long as the login or any follower does.
 */
import type { Db } from './db.ts';
import { parseIdentity, type StoredIdentity } from './users.ts';

export interface OidcRefreshRecord {
  identity: StoredIdentity;
  /** Sealed by the hub; undefined when the provider issued no refresh token. */
  refresh: string | undefined;
  checkedAt: number;
}

/** Holders still in use: a live session, or a live (unrevoked, unexpired) token. */
const LIVE_HOLDER = `(
  (h LIKE 's:%' AND substr(h, 3) IN (SELECT id_hash FROM sessions WHERE expires_at > ?))
  OR (h LIKE 't:%' AND substr(h, 3) IN (SELECT id FROM api_tokens WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?))))`;

export class OidcRefresh {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async put(holder: string, record: OidcRefreshRecord): Promise<void> {
    await this.#db.run(
      'INSERT INTO oidc_refresh (holder, identity, refresh, checked_at, claimed_at) VALUES (?, ?, ?, ?, NULL) ON CONFLICT (holder) DO UPDATE SET identity = excluded.identity, refresh = excluded.refresh, checked_at = excluded.checked_at, claimed_at = NULL',
      [holder, JSON.stringify(record.identity), record.refresh ?? '', record.checkedAt],
    );
  }

  async get(holder: string): Promise<OidcRefreshRecord | undefined> {
    const [row] = await this.#db.all('SELECT identity, refresh, checked_at FROM oidc_refresh WHERE holder = ?', [holder]);
    if (row === undefined) return undefined;
    const refresh = String(row.refresh);
    return { identity: parseIdentity(String(row.identity)), refresh: refresh === '' ? undefined : refresh, checkedAt: Number(row.checked_at) };
  }

  /**
   * Takes the next check for this replica: true when the last check is still the one at `seenAt`
   * and no other claim was made since `staleBefore` (a replica that died mid-check lets go).
   */
  async claim(holder: string, seenAt: number, now: number, staleBefore: number): Promise<boolean> {
    return (await this.#db.run('UPDATE oidc_refresh SET claimed_at = ? WHERE holder = ? AND checked_at = ? AND (claimed_at IS NULL OR claimed_at < ?)', [now, holder, seenAt, staleBefore])) === 1;
  }

  /** `holder` (a token) is checked through `login` from now on. */
  async follow(holder: string, login: string): Promise<void> {
    await this.#db.run('INSERT INTO oidc_followers (holder, login) VALUES (?, ?) ON CONFLICT (holder) DO UPDATE SET login = excluded.login', [holder, login]);
  }

  /** The login `holder` is checked through: its own record, or the one it follows. */
  async loginOf(holder: string): Promise<string> {
    const [row] = await this.#db.all('SELECT login FROM oidc_followers WHERE holder = ?', [holder]);
    return row === undefined ? holder : String(row.login);
  }

  /** The tokens that follow `login`. */
  async followers(login: string): Promise<string[]> {
    return (await this.#db.all('SELECT holder FROM oidc_followers WHERE login = ? ORDER BY holder', [login])).map((row) => String(row.holder));
  }

  /** Drops the login's record and the links of its followers. */
  async delete(login: string): Promise<void> {
    await this.#db.run('DELETE FROM oidc_followers WHERE login = ? OR holder = ?', [login, login]);
    await this.#db.run('DELETE FROM oidc_refresh WHERE holder = ?', [login]);
  }

  /** The holder is gone (a logout): its record goes too, unless tokens still follow it. */
  async release(holder: string): Promise<void> {
    await this.#db.run('DELETE FROM oidc_followers WHERE holder = ?', [holder]);
    await this.#db.run('DELETE FROM oidc_refresh WHERE holder = ? AND NOT EXISTS (SELECT 1 FROM oidc_followers WHERE login = ?)', [holder, holder]);
  }

  /** Drops what no live session or token holds or follows any more. */
  async prune(now: number): Promise<void> {
    await this.#db.run(`DELETE FROM oidc_followers WHERE holder IN (SELECT h FROM (SELECT holder AS h FROM oidc_followers) f WHERE NOT ${LIVE_HOLDER})`, [now, now]);
    await this.#db.run(`DELETE FROM oidc_refresh WHERE holder IN (SELECT h FROM (SELECT holder AS h FROM oidc_refresh) r WHERE NOT ${LIVE_HOLDER}) AND holder NOT IN (SELECT login FROM oidc_followers)`, [now, now]);
  }
}
