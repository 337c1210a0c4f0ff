/** Repositories whose workflows the hub runs on push, and the last commit seen on each of their refs. */
import type { Db } from './db.ts';

export interface PipelineRepoRecord {
  key: string;
  url: string;
  createdBy: string;
  createdAt: number;
  /** Whether sealed credentials are kept for it (never their value). */
  hasCredentials?: boolean;
}

export class PipelineRepos {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Adds the repository; false when it is tracked already. */
  async add(repo: PipelineRepoRecord): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      if ((await tx.all('SELECT repo_key FROM pipeline_repos WHERE repo_key = ?', [repo.key])).length > 0) return false;
      await tx.run('INSERT INTO pipeline_repos (repo_key, url, created_by, created_at) VALUES (?, ?, ?, ?)', [repo.key, repo.url, repo.createdBy, repo.createdAt]);
      return true;
    });
  }

  async list(): Promise<PipelineRepoRecord[]> {
    return (await this.#db.all('SELECT * FROM pipeline_repos ORDER BY repo_key')).map((row) => ({ key: String(row.repo_key), url: String(row.url), createdBy: String(row.created_by), createdAt: Number(row.created_at), hasCredentials: row.credentials !== null && row.credentials !== undefined }));
  }

  /** Keeps the repository's credentials, sealed by the hub (the store never sees them open). */
  async setCredentials(key: string, sealed: string | undefined): Promise<void> {
    await this.#db.run('UPDATE pipeline_repos SET credentials = ? WHERE repo_key = ?', [sealed ?? null, key]);
  }

  async credentials(key: string): Promise<string | undefined> {
    const [row] = await this.#db.all('SELECT credentials FROM pipeline_repos WHERE repo_key = ?', [key]);
    return row?.credentials === null || row?.credentials === undefined ? undefined : String(row.credentials);
  }

  async heads(key: string): Promise<Map<string, string>> {
    return new Map((await this.#db.all('SELECT ref, sha FROM pipeline_heads WHERE repo_key = ?', [key])).map((row) => [String(row.ref), String(row.sha)]));
  }

  /** Records the commit a ref was seen at (`undefined`: the ref is gone). */
  async setHead(key: string, ref: string, sha: string | undefined): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.run('DELETE FROM pipeline_heads WHERE repo_key = ? AND ref = ?', [key, ref]);
      if (sha !== undefined) await tx.run('INSERT INTO pipeline_heads (repo_key, ref, sha) VALUES (?, ?, ?)', [key, ref, sha]);
    });
  }
}
