/**
 * The ledger: one append-only table of what happened in every environment (syncs, drift, heals,
 * commands and their results, connects and disconnects), and the ingest of agents' events,
 * idempotent by agent and sequence number.
 */
import { repoKey, type LinkEvent } from '@trueup/api';
import type { Db, Param, Queryable, Row } from './db.ts';
import { StoreErrors } from './errors.ts';
import { visibilitySql, type Visibility } from './visibility.ts';

export interface LedgerEntry {
  id: number;
  environment: string;
  /** The agent's sequence number, for events the agent reported. */
  seq?: number;
  /** ISO 8601. */
  at: string;
  kind: string;
  application?: string;
  /** Who made it happen, for actions taken through the hub. */
  actor?: string;
  details: Record<string, unknown>;
}

export interface LedgerQuery {
  environment?: string | undefined;
  application?: string | undefined;
  kind?: string | undefined;
  actor?: string | undefined;
  /** Oldest first (default) or newest first. */
  order?: 'asc' | 'desc' | undefined;
  /** Entries after this id, or before it newest first (the previous page's nextCursor). */
  cursor?: string | undefined;
  limit: number;
  /** What the caller may see (hub-wide entries, of no environment, only with `all`); default all. */
  visible?: Visibility | undefined;
}

export interface NewLedgerEntry {
  environment: string;
  at: number;
  kind: string;
  application?: string | undefined;
  actor?: string | undefined;
  details: Record<string, unknown>;
}

/** What the agent's status events carry that the hub indexes. */
interface StatusFields {
  source?: { repoURL?: unknown; ref?: unknown };
  revision?: unknown;
  sync?: unknown;
  health?: { status?: unknown };
  lastPassAt?: unknown;
}

export class Ledger {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /**
   * Stores one event an agent reported. Returns false, changing nothing, when the agent's
   * high-water mark is already at or past `seq` (a resend after a lost ack).
   */
  async ingest(environment: string, agentId: string, seq: number, at: number, event: LinkEvent): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const advanced = await tx.run('UPDATE environments SET acked_seq = ?, last_seen_at = ? WHERE name = ? AND agent_id = ? AND acked_seq < ?', [seq, at, environment, agentId, seq]);
      if (advanced !== 1) return false;
      switch (event.kind) {
        case 'status':
          await upsertStatus(tx, environment, event.application, event.digest, event.status, event.spec);
          return true;
        case 'removed':
          await tx.run('UPDATE applications SET deleted = 1, version = ? WHERE environment = ? AND name = ? AND deleted = 0', [await nextVersion(tx), environment, event.application]);
          break;
        case 'sync':
        case 'drift':
        case 'heal':
          break;
      }
      const { kind, application, ...details } = event;
      await insert(tx, { environment, at, kind, application, details }, agentId, seq);
      return true;
    });
  }

  /** Tombstones applications the agent no longer runs (found at resync), each with a ledger entry. */
  async forget(environment: string, names: readonly string[], at: number): Promise<void> {
    await this.#db.transaction(async (tx) => {
      for (const name of names) {
        const changed = await tx.run('UPDATE applications SET deleted = 1, version = ? WHERE environment = ? AND name = ? AND deleted = 0', [await nextVersion(tx), environment, name]);
        if (changed === 1) await insert(tx, { environment, at, kind: 'removed', application: name, actor: 'resync', details: {} });
      }
    });
  }

  async append(entry: NewLedgerEntry): Promise<number> {
    return this.#db.transaction((tx) => insert(tx, entry));
  }

  async list(query: LedgerQuery): Promise<{ items: LedgerEntry[]; nextCursor: string | null }> {
    const where: string[] = [];
    const params: Param[] = [];
    const desc = query.order === 'desc';
    for (const [column, value] of [['environment', query.environment], ['application', query.application], ['kind', query.kind], ['actor', query.actor]] as const) {
      if (value === undefined) continue;
      where.push(`${column} = ?`);
      params.push(value);
    }
    if (query.visible !== undefined && query.visible !== 'all') {
      const visible = visibilitySql(this.#db.engine, query.visible, 'environment', 'application', true);
      where.push(`environment <> '' AND (${visible.clause})`);
      params.push(...visible.params);
    }
    if (query.cursor !== undefined) {
      if (!/^\d{1,15}$/.test(query.cursor)) throw StoreErrors.create('STORE_CURSOR_INVALID', 'invalid cursor: pass back the nextCursor of the previous page');
      where.push(desc ? 'id < ?' : 'id > ?');
      params.push(Number(query.cursor));
    }
    const rows = await this.#db.all(`SELECT * FROM events ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY id ${desc ? 'DESC' : 'ASC'} LIMIT ?`, [...params, query.limit + 1]);
    const items = rows.slice(0, query.limit).map(toEntry);
    return { items, nextCursor: rows.length > query.limit ? String(items.at(-1)?.id ?? '') : null };
  }
}

async function upsertStatus(tx: Queryable, environment: string, name: string, digest: string, body: Record<string, unknown>, spec: Record<string, unknown> | undefined): Promise<void> {
  const [current] = await tx.all('SELECT digest, deleted FROM applications WHERE environment = ? AND name = ?', [environment, name]);
  if (current !== undefined && String(current.digest) === digest && Number(current.deleted) === 0) return; // nothing changed: no delta
  const status = body as StatusFields;
  const lastPassAt = typeof status.lastPassAt === 'string' ? Date.parse(status.lastPassAt) : Number.NaN;
  const repoURL = text(status.source?.repoURL);
  await tx.run(`INSERT INTO applications (environment, name, revision, sync, health, last_synced_at, digest, body, version, deleted, repo_key, ref, spec) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)
    ON CONFLICT (environment, name) DO UPDATE SET revision = excluded.revision, sync = excluded.sync, health = excluded.health,
      last_synced_at = excluded.last_synced_at, digest = excluded.digest, body = excluded.body, version = excluded.version, deleted = 0,
      repo_key = excluded.repo_key, ref = excluded.ref, spec = COALESCE(excluded.spec, applications.spec)`,
  [environment, name, text(status.revision), text(status.sync, 'Unknown'), text(status.health?.status, 'Unknown'), Number.isNaN(lastPassAt) ? 0 : lastPassAt, digest, JSON.stringify(body), await nextVersion(tx),
    repoURL === '' ? '' : repoKey(repoURL), text(status.source?.ref), spec === undefined ? null : JSON.stringify(spec)]);
}

async function nextVersion(tx: Queryable): Promise<number> {
  const [row] = await tx.all("UPDATE counters SET value = value + 1 WHERE name = 'applications' RETURNING value");
  return Number(row?.value);
}

async function insert(tx: Queryable, entry: NewLedgerEntry, agentId?: string, seq?: number): Promise<number> {
  const [row] = await tx.all('INSERT INTO events (environment, agent_id, seq, at, kind, application, actor, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
    [entry.environment, agentId ?? null, seq ?? null, entry.at, entry.kind, entry.application ?? null, entry.actor ?? null, JSON.stringify(entry.details)]);
  return Number(row?.id);
}

function text(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

function toEntry(row: Row): LedgerEntry {
  return {
    id: Number(row.id),
    environment: String(row.environment),
    ...(row.seq === null ? {} : { seq: Number(row.seq) }),
    at: new Date(Number(row.at)).toISOString(),
    kind: String(row.kind),
    ...(row.application === null ? {} : { application: String(row.application) }),
    ...(row.actor === null ? {} : { actor: String(row.actor) }),
    details: JSON.parse(String(row.body)) as Record<string, unknown>,
  };
}
