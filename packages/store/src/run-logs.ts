/**
 * Jobs' logs as they arrive: chunks numbered 1, 2, 3… per job (the number is the reader's
 * resume point), the newest kept up to a cap in bytes and what was dropped before them counted,
 * so a step printing without end stays bounded here too. Each append signals `runId/jobKey`.
 */
import type { Db, Queryable } from './db.ts';

export interface LogChunk {
  seq: number;
  text: string;
}

export interface JobLogRead {
  /** Chunks after the asked number, oldest first. */
  chunks: LogChunk[];
  /** Bytes dropped (by the cap) before the oldest chunk kept. */
  dropped: number;
  /** The number of the oldest chunk kept (the next one to come when none is). */
  firstSeq: number;
  lastSeq: number;
}

/** Told `runId/jobKey` after each write. */
export type LogChanged = (job: string) => Promise<void>;

export class RunLogs {
  readonly #db: Db;
  readonly #changed: LogChanged;

  constructor(db: Db, changed: LogChanged = async () => undefined) {
    this.#db = db;
    this.#changed = changed;
  }

  /**
   * Appends one chunk; older chunks go while the job's log is over `cap` bytes (the newest always
   * stays). `runnerSeq`: the runner's number of the last text in it, kept to drop text sent again.
   * Returns the chunk's number.
   */
  async append(runId: string, jobKey: string, text: string, cap: number, runnerSeq?: number): Promise<number> {
    const bytes = Buffer.byteLength(text);
    const seq = await this.#db.transaction(async (tx) => {
      // The head row first: on PostgreSQL it is locked until commit, so writers of one job take turns.
      const bumped = await tx.run('UPDATE run_job_log_heads SET last_seq = last_seq + 1, kept_bytes = kept_bytes + ?, runner_seq = COALESCE(?, runner_seq) WHERE run_id = ? AND job_key = ?', [bytes, runnerSeq ?? null, runId, jobKey]);
      if (bumped === 0) await tx.run('INSERT INTO run_job_log_heads (run_id, job_key, last_seq, kept_bytes, dropped_bytes, runner_seq) VALUES (?, ?, 1, ?, 0, ?)', [runId, jobKey, bytes, runnerSeq ?? 0]);
      const head = await readHead(tx, runId, jobKey);
      if (head === undefined) throw new Error(`the log head of ${runId}/${jobKey} vanished`);
      await tx.run('INSERT INTO run_job_logs (run_id, job_key, seq, text, bytes) VALUES (?, ?, ?, ?, ?)', [runId, jobKey, head.lastSeq, text, bytes]);
      if (head.kept > cap) await trim(tx, runId, jobKey, head.lastSeq, head.kept - cap);
      return head.lastSeq;
    });
    await this.#changed(`${runId}/${jobKey}`).catch(() => undefined);
    return seq;
  }

  /** The chunks numbered above `after`; undefined when the job has no log. */
  async read(runId: string, jobKey: string, after = 0): Promise<JobLogRead | undefined> {
    const head = await readHead(this.#db, runId, jobKey);
    if (head === undefined) return undefined;
    const rows = await this.#db.all('SELECT seq, text FROM run_job_logs WHERE run_id = ? AND job_key = ? AND seq > ? ORDER BY seq', [runId, jobKey, after]);
    const chunks = rows.map((row) => ({ seq: Number(row.seq), text: String(row.text) }));
    const [oldest] = await this.#db.all('SELECT MIN(seq) AS seq FROM run_job_logs WHERE run_id = ? AND job_key = ?', [runId, jobKey]);
    const firstSeq = oldest?.seq === null || oldest?.seq === undefined ? head.lastSeq + 1 : Number(oldest.seq);
    return { chunks, dropped: head.dropped, firstSeq, lastSeq: Math.max(head.lastSeq, chunks.at(-1)?.seq ?? 0) };
  }

  /** The runner's number of the last text written for the job (0 when none was numbered). */
  async runnerSeq(runId: string, jobKey: string): Promise<number> {
    const [row] = await this.#db.all('SELECT runner_seq FROM run_job_log_heads WHERE run_id = ? AND job_key = ?', [runId, jobKey]);
    return row === undefined ? 0 : Number(row.runner_seq);
  }

  /** A job run again: its log starts empty, numbered on from where it was (a follower resumes into the new attempt). */
  async reset(runId: string, jobKey: string): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.run('DELETE FROM run_job_logs WHERE run_id = ? AND job_key = ?', [runId, jobKey]);
      await tx.run('UPDATE run_job_log_heads SET kept_bytes = 0, dropped_bytes = 0, runner_seq = 0 WHERE run_id = ? AND job_key = ?', [runId, jobKey]);
    });
    await this.#changed(`${runId}/${jobKey}`).catch(() => undefined);
  }
}

async function readHead(db: Queryable, runId: string, jobKey: string): Promise<{ lastSeq: number; kept: number; dropped: number } | undefined> {
  const [row] = await db.all('SELECT last_seq, kept_bytes, dropped_bytes FROM run_job_log_heads WHERE run_id = ? AND job_key = ?', [runId, jobKey]);
  return row === undefined ? undefined : { lastSeq: Number(row.last_seq), kept: Number(row.kept_bytes), dropped: Number(row.dropped_bytes) };
}

/** Drops the oldest chunks (never `newest`) until `over` bytes are gone. */
async function trim(tx: Queryable, runId: string, jobKey: string, newest: number, over: number): Promise<void> {
  const rows = await tx.all('SELECT seq, bytes FROM run_job_logs WHERE run_id = ? AND job_key = ? AND seq < ? ORDER BY seq', [runId, jobKey, newest]);
  let freed = 0;
  let upTo = 0;
  for (const row of rows) {
    if (freed >= over) break;
    freed += Number(row.bytes);
    upTo = Number(row.seq);
  }
  if (upTo === 0) return;
  await tx.run('DELETE FROM run_job_logs WHERE run_id = ? AND job_key = ? AND seq <= ?', [runId, jobKey, upTo]);
  await tx.run('UPDATE run_job_log_heads SET kept_bytes = kept_bytes - ?, dropped_bytes = dropped_bytes + ? WHERE run_id = ? AND job_key = ?', [freed, freed, runId, jobKey]);
}
