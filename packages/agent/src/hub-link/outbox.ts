/**
 * The agent's outbox for the hub, in SQLite in the state dir: events numbered by the agent and
 * kept until the hub acknowledges them, across restarts and partitions. A status supersedes the
 * queued statuses of its application, so a long outage leaves one status per application plus
 * the ledger events (syncs, drift, heals), bounded by MAX_ROWS (oldest dropped first).
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { ApplicationStatus, LinkEvent } from '@trueup/api';
import type { LinkOutbox, OutboxEntry } from '@trueup/link';
import { HUB_LINK_DIR } from './join.ts';

export const MAX_ROWS = 50_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, kind TEXT NOT NULL, application TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS outbox_by_app ON outbox (application, kind);
`;

/** The digest the hub compares at resync: of the status, and of the spec when one is reported with it. */
export function statusDigest(status: ApplicationStatus, spec?: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(status)).update(spec === undefined ? '' : `\n${JSON.stringify(spec)}`).digest('hex');
}

export class SqliteOutbox implements LinkOutbox {
  readonly #db: DatabaseSync;
  readonly #statuses: () => ApplicationStatus[];
  readonly #now: () => number;
  readonly #spec: (name: string) => Record<string, unknown> | undefined;
  /** Applications last reported to the hub, to report those that are gone. */
  #known = new Set<string>();

  constructor(stateDir: string, statuses: () => ApplicationStatus[], now: () => number = Date.now, spec: (name: string) => Record<string, unknown> | undefined = () => undefined) {
    const dir = join(stateDir, HUB_LINK_DIR);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.#db = new DatabaseSync(join(dir, 'outbox.db'), { timeout: 5000 });
    this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    this.#db.exec(SCHEMA);
    this.#statuses = statuses;
    this.#now = now;
    this.#spec = spec;
  }

  append(event: LinkEvent): void {
    if (event.kind === 'status') this.#db.prepare("DELETE FROM outbox WHERE application = ? AND kind = 'status'").run(event.application);
    this.#db.prepare('INSERT INTO outbox (at, kind, application, body) VALUES (?, ?, ?, ?)').run(this.#now(), event.kind, event.application, JSON.stringify(event));
    const [row] = this.#db.prepare('SELECT COUNT(*) AS n FROM outbox').all();
    const excess = Number(row?.n ?? 0) - MAX_ROWS;
    if (excess > 0) this.#db.prepare("DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE kind <> 'status' ORDER BY seq LIMIT ?)").run(excess);
  }

  appendStatus(status: ApplicationStatus): void {
    this.#known.add(status.name);
    const spec = this.#spec(status.name);
    this.append({ kind: 'status', application: status.name, digest: statusDigest(status, spec), status: status as unknown as Record<string, unknown>, ...(spec === undefined ? {} : { spec }) });
  }

  digests(): Record<string, string> {
    const live = this.#statuses();
    this.#known = new Set(live.map((s) => s.name));
    return Object.fromEntries(live.map((s) => [s.name, statusDigest(s, this.#spec(s.name))]));
  }

  ensureStatus(applications: readonly string[]): void {
    const live = new Map(this.#statuses().map((s) => [s.name, s]));
    for (const name of applications) {
      const status = live.get(name);
      if (status === undefined) continue;
      const queued = this.#db.prepare("SELECT 1 FROM outbox WHERE application = ? AND kind = 'status'").get(name);
      if (queued === undefined) this.appendStatus(status);
    }
  }

  pending(afterSeq: number, limit: number): OutboxEntry[] {
    return this.#db.prepare('SELECT seq, at, body FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit)
      .map((row) => ({ seq: Number(row.seq), at: Number(row.at), event: JSON.parse(String(row.body)) as LinkEvent }));
  }

  acked(seq: number): void {
    this.#db.prepare('DELETE FROM outbox WHERE seq <= ?').run(seq);
  }

  size(): number {
    const [row] = this.#db.prepare('SELECT COUNT(*) AS n FROM outbox').all();
    return Number(row?.n ?? 0);
  }

  close(): void {
    this.#db.close();
  }
}
