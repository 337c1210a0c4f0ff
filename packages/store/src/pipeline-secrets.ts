/**
 * Pipeline secrets (sealed by the hub; the store never sees a value), the protection rules of
 * pipeline environments, and the approvals given to runs.
 */
import type { Db } from './db.ts';

export interface EnvironmentRules {
  /** Approvals needed before a job of this environment gets its secrets and runs. */
  requiredApprovals: number;
  /** Whether the person who triggered the run may approve it. */
  allowSelfApproval: boolean;
  /** Seconds to wait after approval (or queueing) before the job runs. */
  waitSeconds: number;
  /** Branch or tag patterns (refs/heads/main, refs/tags/v*) allowed to deploy; empty = any. */
  allowedRefs: string[];
}

export class PipelineSecrets {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async put(secret: { repoKey: string; environment: string; name: string; sealed: string; updatedBy: string; updatedAt: number }): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.run('DELETE FROM pipeline_secrets WHERE repo_key = ? AND environment = ? AND name = ?', [secret.repoKey, secret.environment, secret.name]);
      await tx.run('INSERT INTO pipeline_secrets (repo_key, environment, name, sealed, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)', [secret.repoKey, secret.environment, secret.name, secret.sealed, secret.updatedBy, secret.updatedAt]);
    });
  }

  /** Names only, for the API. */
  async names(repoKey: string): Promise<{ environment: string; name: string; updatedAt: number }[]> {
    return (await this.#db.all('SELECT environment, name, updated_at FROM pipeline_secrets WHERE repo_key = ? ORDER BY environment, name', [repoKey])).map((row) => ({ environment: String(row.environment), name: String(row.name), updatedAt: Number(row.updated_at) }));
  }

  /** The sealed values a job gets: the repository's, then its environment's over them. */
  async sealedFor(repoKey: string, environment: string | undefined): Promise<Map<string, { environment: string; sealed: string }>> {
    const rows = await this.#db.all("SELECT environment, name, sealed FROM pipeline_secrets WHERE repo_key = ? AND (environment = '' OR environment = ?) ORDER BY environment", [repoKey, environment ?? '']);
    return new Map(rows.map((row) => [String(row.name), { environment: String(row.environment), sealed: String(row.sealed) }]));
  }

  async setRules(name: string, rules: EnvironmentRules, updatedBy: string, now: number): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.run('DELETE FROM pipeline_environments WHERE name = ?', [name]);
      await tx.run('INSERT INTO pipeline_environments (name, rules, updated_by, updated_at) VALUES (?, ?, ?, ?)', [name, JSON.stringify(rules), updatedBy, now]);
      await tx.run('INSERT INTO events (environment, at, kind, actor, body) VALUES (?, ?, ?, ?, ?)', [name, now, 'pipeline-environment-rules-changed', updatedBy, JSON.stringify(rules)]);
    });
  }

  async rules(name: string): Promise<EnvironmentRules | undefined> {
    const [row] = await this.#db.all('SELECT rules FROM pipeline_environments WHERE name = ?', [name]);
    return row === undefined ? undefined : JSON.parse(String(row.rules)) as EnvironmentRules;
  }

  /** Records an approval once; false when this person approved already. */
  async approve(runId: string, environment: string, approver: string, now: number): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      if ((await tx.all('SELECT 1 AS x FROM run_approvals WHERE run_id = ? AND environment = ? AND approver = ?', [runId, environment, approver])).length > 0) return false;
      await tx.run('INSERT INTO run_approvals (run_id, environment, approver, at) VALUES (?, ?, ?, ?)', [runId, environment, approver, now]);
      await tx.run('INSERT INTO events (environment, at, kind, actor, body) VALUES (?, ?, ?, ?, ?)', [environment, now, 'run-approved', approver, JSON.stringify({ run: runId })]);
      return true;
    });
  }

  async approvers(runId: string, environment: string): Promise<string[]> {
    return (await this.#db.all('SELECT approver FROM run_approvals WHERE run_id = ? AND environment = ? ORDER BY at', [runId, environment])).map((row) => String(row.approver));
  }
}
