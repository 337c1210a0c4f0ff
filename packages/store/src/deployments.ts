/**
 * Deployments of an environment, newest first: the ledger's `deployment` entries (written by
 * trueup/deploy and trueup/sync through the hub), read for rollback and the deployment history.
 */
import type { Db } from './db.ts';

export interface DeploymentRecord {
  id: number;
  environment: string;
  at: number;
  actor: string | undefined;
  application: string | undefined;
  details: Record<string, unknown>;
}

export class Deployments {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async list(environment: string, limit: number): Promise<DeploymentRecord[]> {
    const rows = await this.#db.all("SELECT * FROM events WHERE kind = 'deployment' AND environment = ? ORDER BY id DESC LIMIT ?", [environment, limit]);
    return rows.map((row) => ({
      id: Number(row.id), environment: String(row.environment), at: Number(row.at), actor: row.actor === null ? undefined : String(row.actor),
      application: row.application === null ? undefined : String(row.application), details: JSON.parse(String(row.body)) as Record<string, unknown>,
    }));
  }
}
