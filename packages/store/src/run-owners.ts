/**
 * Which hub replica holds each run in progress, and when it last said so. A replica renews its
 * runs while it lives; runs whose replica has been silent past the lease are taken over by
 * another replica, which resumes them, so nothing stays "running" after its replica is gone.
 */
import type { Db } from './db.ts';

export class RunOwners {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async own(runId: string, replica: string, now: number): Promise<void> {
    await this.#db.run('UPDATE runs SET owner = ?, owner_seen_at = ? WHERE id = ?', [replica, now, runId]);
  }

  /** This replica is alive: its runs in progress are renewed. */
  async renew(replica: string, now: number): Promise<void> {
    await this.#db.run("UPDATE runs SET owner_seen_at = ? WHERE owner = ? AND status <> 'completed'", [now, replica]);
  }

  /**
   * Takes over the runs in progress whose replica was last seen before `staleBefore`, for
   * `replica` to resume: one UPDATE per run, so exactly one replica takes each. The jobs the gone
   * replica published and nobody claimed leave the shared queue (the new holder publishes them
   * again); the claimed ones report to the new holder from now on.
   */
  async takeOver(replica: string, staleBefore: number, now: number): Promise<{ id: string; owner: string }[]> {
    const rows = await this.#db.all("SELECT id, owner FROM runs WHERE status <> 'completed' AND owner IS NOT NULL AND owner <> ? AND owner_seen_at < ?", [replica, staleBefore]);
    const taken: { id: string; owner: string }[] = [];
    for (const row of rows) {
      const id = String(row.id);
      const owner = String(row.owner);
      const changed = await this.#db.transaction(async (tx) => {
        const updated = await tx.run("UPDATE runs SET owner = ?, owner_seen_at = ? WHERE id = ? AND owner = ? AND owner_seen_at < ? AND status <> 'completed'", [replica, now, id, owner, staleBefore]);
        if (updated === 1) {
          await tx.run("DELETE FROM runner_job_queue WHERE owner = ? AND job_key LIKE ? AND state = 'queued'", [owner, `${id}/%`]);
          // A job a runner of another replica runs goes on there, reporting to the new holder.
          await tx.run('UPDATE runner_job_queue SET owner = ? WHERE owner = ? AND job_key LIKE ?', [replica, owner, `${id}/%`]);
        }
        return updated;
      });
      if (changed === 1) taken.push({ id, owner });
    }
    return taken;
  }
}
