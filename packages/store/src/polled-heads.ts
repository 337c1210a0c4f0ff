/**
 * What the hub's shared poll reads and keeps: each repository the live applications follow (with
 * a URL to list it by and the refs they follow), and where each followed ref pointed at the last
 * poll, so a replica taking over the poll carries on from the same heads.
 */
import type { Db } from './db.ts';
import { withoutUserinfo } from './ledger.ts';

export interface FollowedRepository {
  /** See repoKey. */
  key: string;
  /** A URL of it as an agent reported it, without credentials; '' when no agent reported one since the hub kept URLs. */
  url: string;
  /** The refs applications follow on it, as they spell them (`main`, `refs/tags/v1`, `HEAD`). */
  refs: string[];
}

export class PolledHeads {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Every repository a live application follows, in key order. */
  async followed(): Promise<FollowedRepository[]> {
    const rows = await this.#db.all("SELECT repo_key, ref, MAX(repo_url) AS url FROM applications WHERE deleted = 0 AND repo_key <> '' GROUP BY repo_key, ref ORDER BY repo_key, ref");
    const repos = new Map<string, FollowedRepository>();
    for (const row of rows) {
      const key = String(row.repo_key);
      const repo = repos.get(key) ?? { key, url: '', refs: [] };
      const url = String(row.url ?? '');
      if (url > repo.url) repo.url = url;
      repo.refs.push(String(row.ref));
      repos.set(key, repo);
    }
    // Applications reported before the hub kept URLs: the URL from one of their statuses.
    for (const repo of repos.values()) {
      if (repo.url !== '') continue;
      const [row] = await this.#db.all('SELECT body FROM applications WHERE repo_key = ? AND deleted = 0 LIMIT 1', [repo.key]);
      const source = (JSON.parse(String(row?.body ?? '{}')) as { source?: { repoURL?: unknown } }).source;
      repo.url = typeof source?.repoURL === 'string' ? withoutUserinfo(source.repoURL) : '';
    }
    return [...repos.values()];
  }

  /** Where each followed ref of the repository pointed at the last poll. */
  async heads(key: string): Promise<Map<string, string>> {
    const rows = await this.#db.all('SELECT ref, sha FROM polled_heads WHERE repo_key = ?', [key]);
    return new Map(rows.map((row) => [String(row.ref), String(row.sha)]));
  }

  /** Replaces the repository's heads with `heads` (refs no longer followed are dropped). */
  async record(key: string, heads: ReadonlyMap<string, string>, at: number): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.run('DELETE FROM polled_heads WHERE repo_key = ?', [key]);
      for (const [ref, sha] of heads) await tx.run('INSERT INTO polled_heads (repo_key, ref, sha, polled_at) VALUES (?, ?, ?, ?)', [key, ref, sha, at]);
    });
  }

  /** Heads of repositories no application follows any more. */
  async forgetExcept(keys: readonly string[]): Promise<void> {
    const rows = await this.#db.all('SELECT DISTINCT repo_key FROM polled_heads');
    const keep = new Set(keys);
    for (const row of rows) if (!keep.has(String(row.repo_key))) await this.#db.run('DELETE FROM polled_heads WHERE repo_key = ?', [String(row.repo_key)]);
  }
}
