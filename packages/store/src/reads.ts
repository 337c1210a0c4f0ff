/**
 * Reads of one object an agent answers for the hub's API (the UI): kept only long enough to carry
 * the answer from the replica holding the agent's link to the replica that asked. A read changes
 * nothing at the agent; the rows are dropped after READ_KEEP_MS.
 */
import type { LinkRead, ReadResult } from '@trueup/api';
import type { Db } from './db.ts';

/** How long a read and its answer are kept. */
export const READ_KEEP_MS = 10 * 60_000;

export class Reads {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async create(read: LinkRead, environment: string, now: number): Promise<void> {
    await this.#db.run('DELETE FROM link_reads WHERE requested_at < ?', [now - READ_KEEP_MS]);
    await this.#db.run('INSERT INTO link_reads (id, environment, application, object, what, requested_at) VALUES (?, ?, ?, ?, ?, ?)',
      [read.id, environment, read.application, read.object, read.what, now]);
  }

  /** The read as the agent gets it, while unanswered and asked of this environment. */
  async open(id: string, environment: string): Promise<LinkRead | undefined> {
    const [row] = await this.#db.all('SELECT * FROM link_reads WHERE id = ? AND environment = ? AND result IS NULL', [id, environment]);
    return row === undefined ? undefined : { id: String(row.id), application: String(row.application), object: String(row.object), what: String(row.what) as LinkRead['what'] };
  }

  /** Records the agent's answer once; answers to reads of another environment are ignored. */
  async finish(id: string, environment: string, result: ReadResult, now: number): Promise<boolean> {
    const changed = await this.#db.run('UPDATE link_reads SET result = ?, finished_at = ? WHERE id = ? AND environment = ? AND result IS NULL', [JSON.stringify(result), now, id, environment]);
    return changed === 1;
  }

  async result(id: string): Promise<ReadResult | undefined> {
    const [row] = await this.#db.all('SELECT result FROM link_reads WHERE id = ?', [id]);
    return typeof row?.result === 'string' ? (JSON.parse(row.result) as ReadResult) : undefined;
  }
}
