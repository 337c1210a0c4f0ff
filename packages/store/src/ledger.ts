/**
 * The ledger: one append-only table of what happened in every environment (syncs, drift, heals,
 * commands and their results, connects and disconnects), and the ingest of agents' events,
 * idempotent by agent and sequence number.
 */
import { repoKey, type LinkEvent } from '@trueup/api';
import type { Db, Engine, Param, Queryable, Row } from './db.ts';
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

export interface LedgerFilter {
  environment?: string | undefined;
  application?: string | undefined;
  kind?: string | undefined;
  /** Who made it happen (a user, token:NAME, oidc:…). */
  actor?: string | undefined;
  /** Entries at or after this time (ms). */
  since?: number | undefined;
  /** Entries before this time (ms). */
  until?: number | undefined;
  /** What the caller may see (hub-wide entries, of no environment, only with `all`); default all. */
  visible?: Visibility | undefined;
}

export interface LedgerQuery extends LedgerFilter {
  /** `asc`: oldest first (the default here); `desc`: newest first. */
  order?: 'asc' | 'desc' | undefined;
  /** A page's nextCursor (the entries after it, in `order`) or prevCursor (the page before it). */
  cursor?: string | undefined;
  limit: number;
}

export interface LedgerPage {
  items: LedgerEntry[];
  /** The next page in `order`; null at the end. */
  nextCursor: string | null;
  /** The page before this one in `order`; null when nothing is before it. */
  prevCursor: string | null;
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

  /**
   * The first sync entry of each agent's application at each of these commits, oldest first: who
   * applied them and when (an agent reports every pass; the first at a commit is when it applied it).
   */
  async syncsOf(revisions: readonly string[], limit = 500): Promise<LedgerEntry[]> {
    const wanted = [...new Set(revisions.filter((r) => /^[0-9a-f]{40,64}$/.test(r)))];
    if (wanted.length === 0) return [];
    const rows = await this.#db.all(`SELECT * FROM events WHERE id IN (SELECT MIN(id) FROM events WHERE revision IN (${wanted.map(() => '?').join(', ')}) AND kind = 'sync' GROUP BY environment, application, revision) ORDER BY id LIMIT ?`, [...wanted, limit]);
    return rows.map(toEntry);
  }

  async append(entry: NewLedgerEntry): Promise<number> {
    return this.#db.transaction((tx) => insert(tx, entry));
  }

  /**
   * One page of entries, keyset-paged by id both ways: `n<id>` continues after `id` in `order`,
   * `p<id>` gives the page just before it (a bare id reads as `n<id>`, as cursors did before).
   */
  async list(query: LedgerQuery): Promise<LedgerPage> {
    const { where, params } = filterSql(this.#db.engine, query);
    const desc = query.order === 'desc';
    const cursor = query.cursor === undefined ? undefined : parseCursor(query.cursor);
    // Reading backwards: the rows nearest the cursor on the other side, in reverse, then turned around.
    const backwards = cursor?.side === 'p';
    if (cursor !== undefined) {
      where.push(`id ${desc !== backwards ? '<' : '>'} ?`);
      params.push(cursor.id);
    }
    const direction = desc !== backwards ? 'DESC' : 'ASC';
    const rows = await this.#db.all(`SELECT * FROM events ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY id ${direction} LIMIT ?`, [...params, query.limit + 1]);
    const more = rows.length > query.limit;
    const page = rows.slice(0, query.limit).map(toEntry);
    const items = backwards ? page.reverse() : page;
    const first = items[0]?.id;
    const last = items.at(-1)?.id;
    // A cursor names a row on the other side of the page, so coming from one there is always a way back.
    const nextCursor = last === undefined || !(backwards || more) ? null : `n${last}`;
    const prevCursor = first === undefined || !(backwards ? more : cursor !== undefined) ? null : `p${first}`;
    return { items, nextCursor, prevCursor };
  }

  /**
   * Every entry matching `filter` in `order`, read in batches of `batch` rows by keyset, so an
   * export of the whole ledger never holds more than one batch.
   */
  async *each(filter: LedgerFilter & { order?: 'asc' | 'desc' | undefined }, batch = 500): AsyncGenerator<LedgerEntry[]> {
    let cursor: string | undefined;
    for (;;) {
      const page = await this.list({ ...filter, limit: batch, ...(cursor === undefined ? {} : { cursor }) });
      if (page.items.length > 0) yield page.items;
      if (page.nextCursor === null) return;
      cursor = page.nextCursor;
    }
  }
}

function filterSql(engine: Engine, filter: LedgerFilter): { where: string[]; params: Param[] } {
  const where: string[] = [];
  const params: Param[] = [];
  if (filter.visible !== undefined && filter.visible !== 'all') {
    const visible = visibilitySql(engine, filter.visible, 'environment', 'application', true);
    where.push(`environment <> '' AND (${visible.clause})`);
    params.push(...visible.params);
  }
  for (const [column, value] of [['environment', filter.environment], ['application', filter.application], ['kind', filter.kind], ['actor', filter.actor]] as const) {
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  if (filter.since !== undefined) {
    where.push('at >= ?');
    params.push(filter.since);
  }
  if (filter.until !== undefined) {
    where.push('at < ?');
    params.push(filter.until);
  }
  return { where, params };
}

function parseCursor(cursor: string): { side: 'n' | 'p'; id: number } {
  const match = /^([np]?)(\d{1,15})$/.exec(cursor);
  if (match === null) throw StoreErrors.create('STORE_CURSOR_INVALID', 'invalid cursor: pass back the nextCursor or prevCursor of a page');
  return { side: match[1] === 'p' ? 'p' : 'n', id: Number(match[2]) };
}

async function upsertStatus(tx: Queryable, environment: string, name: string, digest: string, body: Record<string, unknown>, spec: Record<string, unknown> | undefined): Promise<void> {
  const [current] = await tx.all('SELECT digest, deleted FROM applications WHERE environment = ? AND name = ?', [environment, name]);
  if (current !== undefined && String(current.digest) === digest && Number(current.deleted) === 0) return; // nothing changed: no delta
  const status = body as StatusFields;
  const lastPassAt = typeof status.lastPassAt === 'string' ? Date.parse(status.lastPassAt) : Number.NaN;
  const repoURL = text(status.source?.repoURL);
  await tx.run(`INSERT INTO applications (environment, name, revision, sync, health, last_synced_at, digest, body, version, deleted, repo_key, ref, spec, repo_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)
    ON CONFLICT (environment, name) DO UPDATE SET revision = excluded.revision, sync = excluded.sync, health = excluded.health,
      last_synced_at = excluded.last_synced_at, digest = excluded.digest, body = excluded.body, version = excluded.version, deleted = 0,
      repo_key = excluded.repo_key, ref = excluded.ref, spec = COALESCE(excluded.spec, applications.spec), repo_url = excluded.repo_url`,
  [environment, name, text(status.revision), text(status.sync, 'Unknown'), text(status.health?.status, 'Unknown'), Number.isNaN(lastPassAt) ? 0 : lastPassAt, digest, JSON.stringify(body), await nextVersion(tx),
    repoURL === '' ? '' : repoKey(repoURL), text(status.source?.ref), spec === undefined ? null : JSON.stringify(spec), withoutUserinfo(repoURL)]);
}

async function nextVersion(tx: Queryable): Promise<number> {
  const [row] = await tx.all("UPDATE counters SET value = value + 1 WHERE name = 'applications' RETURNING value");
  return Number(row?.value);
}

async function insert(tx: Queryable, entry: NewLedgerEntry, agentId?: string, seq?: number): Promise<number> {
  const [row] = await tx.all('INSERT INTO events (environment, agent_id, seq, at, kind, application, actor, body, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
    [entry.environment, agentId ?? null, seq ?? null, entry.at, entry.kind, entry.application ?? null, entry.actor ?? null, JSON.stringify(entry.details), entryRevision(entry.details)]);
  return Number(row?.id);
}

/** The commit an entry names (a sync's, a commit's, a deployment's), kept in its own indexed column. */
function entryRevision(details: Record<string, unknown>): string | null {
  const revision = details.revision;
  return typeof revision === 'string' && /^[0-9a-f]{40,64}$/.test(revision) ? revision : null;
}

/** A URL as the hub may keep it: any `user:password@` taken out. */
export function withoutUserinfo(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
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
