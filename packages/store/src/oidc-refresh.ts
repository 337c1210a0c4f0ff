/**
 * What an OpenID Connect login holds from its provider, per holder (`s:` and the session's hash,
 * `t:` and an API token's id): the identity with its groups as last checked, the refresh token
 * (sealed by the hub), and when it was checked. One replica at a time checks a holder: it first
 * claims the check (`claimed_at`, set only while the check it saw is still the last one and no
 * other claim is live), so a refresh token is spent once even when replicas look at the same
 * session together; storing the answer ends the claim.
 */
import type { Db } from './db.ts';
import { parseIdentity, type StoredIdentity } from './users.ts';

export interface OidcRefreshRecord {
  identity: StoredIdentity;
  /** Sealed by the hub. */
  refresh: string;
  checkedAt: number;
}

export class OidcRefresh {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async put(holder: string, record: OidcRefreshRecord): Promise<void> {
    await this.#db.run(
      'INSERT INTO oidc_refresh (holder, identity, refresh, checked_at, claimed_at) VALUES (?, ?, ?, ?, NULL) ON CONFLICT (holder) DO UPDATE SET identity = excluded.identity, refresh = excluded.refresh, checked_at = excluded.checked_at, claimed_at = NULL',
      [holder, JSON.stringify(record.identity), record.refresh, record.checkedAt],
    );
  }

  async get(holder: string): Promise<OidcRefreshRecord | undefined> {
    const [row] = await this.#db.all('SELECT identity, refresh, checked_at FROM oidc_refresh WHERE holder = ?', [holder]);
    return row === undefined ? undefined : { identity: parseIdentity(String(row.identity)), refresh: String(row.refresh), checkedAt: Number(row.checked_at) };
  }

  /**
   * Takes the next check for this replica: true when the last check is still the one at `seenAt`
   * and no other claim was made since `staleBefore` (a replica that died mid-check lets go).
   */
  async claim(holder: string, seenAt: number, now: number, staleBefore: number): Promise<boolean> {
    return (await this.#db.run('UPDATE oidc_refresh SET claimed_at = ? WHERE holder = ? AND checked_at = ? AND (claimed_at IS NULL OR claimed_at < ?)', [now, holder, seenAt, staleBefore])) === 1;
  }

  async delete(holder: string): Promise<void> {
    await this.#db.run('DELETE FROM oidc_refresh WHERE holder = ?', [holder]);
  }

  /** Drops what no live session or token holds any more. */
  async prune(now: number): Promise<void> {
    await this.#db.run("DELETE FROM oidc_refresh WHERE holder LIKE 's:%' AND substr(holder, 3) NOT IN (SELECT id_hash FROM sessions WHERE expires_at > ?)", [now]);
    await this.#db.run("DELETE FROM oidc_refresh WHERE holder LIKE 't:%' AND substr(holder, 3) NOT IN (SELECT id FROM api_tokens WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?))", [now]);
  }
}
