/**
 * The runner job queue shared by hub replicas (PostgreSQL): a job no runner of its own replica
 * can take is published here; a replica with a matching idle runner claims it (one UPDATE, so
 * exactly one does) and relays what the runner reports back as frames to the replica that owns
 * the run. Offers are stored sealed by the hub (they carry the job's secrets).
 */
import type { Db } from './db.ts';

export interface SharedJobRecord {
  key: string;
  owner: string;
  labels: string[];
  environment: string | undefined;
  /** Sealed by the hub. */
  offer: string;
  state: 'queued' | 'claimed';
  claimedBy: string | undefined;
  queuedAt: number;
}

export class SharedJobs {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async publish(job: Omit<SharedJobRecord, 'state' | 'claimedBy'>): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.run('DELETE FROM runner_job_queue WHERE job_key = ?', [job.key]);
      await tx.run("INSERT INTO runner_job_queue (job_key, owner, labels, environment, offer, state, queued_at) VALUES (?, ?, ?, ?, ?, 'queued', ?)",
        [job.key, job.owner, JSON.stringify(job.labels), job.environment ?? null, job.offer, job.queuedAt]);
    });
  }

  /** Jobs waiting for any replica's runner, oldest first. */
  async queued(limit: number): Promise<SharedJobRecord[]> {
    return (await this.#db.all("SELECT * FROM runner_job_queue WHERE state = 'queued' ORDER BY queued_at, job_key LIMIT ?", [limit])).map((row) => ({
      key: String(row.job_key), owner: String(row.owner), labels: JSON.parse(String(row.labels)) as string[], environment: row.environment === null ? undefined : String(row.environment),
      offer: String(row.offer), state: 'queued' as const, claimedBy: undefined, queuedAt: Number(row.queued_at),
    }));
  }

  /** Takes a queued job for `replica`; false when another replica (or the owner itself) took it first. */
  async claim(key: string, replica: string): Promise<boolean> {
    return (await this.#db.run("UPDATE runner_job_queue SET state = 'claimed', claimed_by = ? WHERE job_key = ? AND state = 'queued'", [replica, key])) === 1;
  }

  /** The replica that claimed the job, if one did. */
  async claimedBy(key: string): Promise<string | undefined> {
    const [row] = await this.#db.all('SELECT claimed_by FROM runner_job_queue WHERE job_key = ?', [key]);
    return row?.claimed_by === null || row?.claimed_by === undefined ? undefined : String(row.claimed_by);
  }

  /** The replica that holds the run of a published job now (it changes when a replica takes the run over). */
  async ownerOf(key: string): Promise<string | undefined> {
    const [row] = await this.#db.all('SELECT owner FROM runner_job_queue WHERE job_key = ?', [key]);
    return row === undefined ? undefined : String(row.owner);
  }

  async remove(key: string): Promise<void> {
    await this.#db.run('DELETE FROM runner_job_queue WHERE job_key = ?', [key]);
  }

  /** A frame for the owner of a job; returns its id. */
  async relay(owner: string, key: string, body: string): Promise<number> {
    const [row] = await this.#db.all('INSERT INTO runner_job_frames (owner, job_key, body) VALUES (?, ?, ?) RETURNING id', [owner, key, body]);
    return Number(row?.id);
  }

  /** Frames for `owner` after `after`, in order; read frames are removed. */
  async frames(owner: string, after: number): Promise<{ id: number; key: string; body: string }[]> {
    const rows = await this.#db.all('SELECT id, job_key, body FROM runner_job_frames WHERE owner = ? AND id > ? ORDER BY id LIMIT 1000', [owner, after]);
    const frames = rows.map((row) => ({ id: Number(row.id), key: String(row.job_key), body: String(row.body) }));
    const last = frames.at(-1);
    if (last !== undefined) await this.#db.run('DELETE FROM runner_job_frames WHERE owner = ? AND id <= ?', [owner, last.id]);
    return frames;
  }
}
