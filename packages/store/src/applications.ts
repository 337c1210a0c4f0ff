/** Applications as the agents last reported them: list with filter, sort and keyset paging; changes by version. */
import type { Db, Param, Row } from './db.ts';
import { StoreErrors } from './errors.ts';
import { rangesSource, visibleKeyRanges } from './visible-ranges.ts';
import { visibilitySql, type Scope, type Visibility } from './visibility.ts';

export const APPLICATION_SORTS = ['name', 'environment', 'sync', 'health', 'revision', 'lastSyncedAt'] as const;
export type ApplicationSort = (typeof APPLICATION_SORTS)[number];

/** Sort key → SQL expression: a closed list, never text from the request. */
const SORT_COLUMNS: Record<ApplicationSort, string> = {
  name: 'a.name', environment: 'a.environment', sync: 'a.sync', health: 'a.health', revision: 'a.revision', lastSyncedAt: 'a.last_synced_at',
};

export interface ApplicationQuery {
  environment?: string | undefined;
  sync?: string | undefined;
  health?: string | undefined;
  /** Environment labels, all of which must match. */
  labels?: readonly { key: string; value: string }[] | undefined;
  /** Substring of the name, case-insensitive. */
  q?: string | undefined;
  sort?: ApplicationSort | undefined;
  order?: 'asc' | 'desc' | undefined;
  limit: number;
  cursor?: string | undefined;
  /** What the caller may see; default all. */
  visible?: Visibility | undefined;
  /** Only the applications in this scope (a project's selectors). */
  within?: Scope | undefined;
}

export interface ApplicationSummary {
  environment: string;
  name: string;
  revision: string;
  sync: string;
  health: string;
  /** ISO 8601, absent before the first pass. */
  lastSyncedAt?: string;
}

export interface ApplicationPage {
  items: ApplicationSummary[];
  total: number;
  nextCursor: string | null;
}

export interface ApplicationChange {
  version: number;
  environment: string;
  name: string;
  deleted: boolean;
  summary: ApplicationSummary;
}

export class Applications {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async list(query: ApplicationQuery): Promise<ApplicationPage> {
    const where = ['a.deleted = 0'];
    const params: Param[] = [];
    const add = (clause: string, ...values: Param[]): void => {
      where.push(clause);
      params.push(...values);
    };
    if (query.environment !== undefined) add('a.environment = ?', query.environment);
    if (query.sync !== undefined) add('a.sync = ?', query.sync);
    if (query.health !== undefined) add('a.health = ?', query.health);
    for (const label of query.labels ?? []) add('EXISTS (SELECT 1 FROM environment_labels l WHERE l.environment = a.environment AND l.key = ? AND l.value = ?)', label.key, label.value);
    // Visibility that comes to key ranges is read as those ranges; any other is a condition.
    const ranges = query.visible === undefined ? undefined : visibleKeyRanges(query.visible);
    if (ranges !== undefined && ranges.length === 0) add('1 = 0');
    const source = ranges === undefined || ranges.length === 0 ? { sql: 'applications a', params: [] } : rangesSource(this.#db.engine, ranges);
    if (query.visible !== undefined && query.visible !== 'all' && ranges === undefined) {
      const visible = visibilitySql(this.#db.engine, query.visible, 'a.environment', 'a.name');
      add(visible.clause, ...visible.params);
    }
    if (query.within !== undefined) {
      const within = visibilitySql(this.#db.engine, [query.within], 'a.environment', 'a.name');
      add(within.clause, ...within.params);
    }
    if (query.q !== undefined && query.q !== '') add("LOWER(a.name) LIKE ? ESCAPE '\\'", `%${query.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const filter = where.join(' AND ');
    const sort = query.sort ?? 'name';
    const column = SORT_COLUMNS[sort];
    const desc = query.order === 'desc';
    const direction = desc ? 'DESC' : 'ASC';
    const pageWhere = [filter];
    const pageParams = [...params];
    if (query.cursor !== undefined) {
      const [value, environment, name] = decodeCursor(query.cursor, sort);
      pageWhere.push(`(${column}, a.environment, a.name) ${desc ? '<' : '>'} (?, ?, ?)`);
      pageParams.push(value, environment, name);
    }
    // The count and the page are independent: on PostgreSQL they run side by side on two connections.
    const counting = this.#db.all(`SELECT COUNT(*) AS n FROM ${source.sql} WHERE ${filter}`, [...source.params, ...params]);
    const paging = this.#db.all(`SELECT a.environment, a.name, a.revision, a.sync, a.health, a.last_synced_at FROM ${source.sql} WHERE ${pageWhere.join(' AND ')}
      ORDER BY ${column} ${direction}, a.environment ${direction}, a.name ${direction} LIMIT ?`, [...source.params, ...pageParams, query.limit + 1]);
    const [[count], rows] = await Promise.all([counting, paging]);
    const items = rows.slice(0, query.limit).map(toSummary);
    const last = rows.length > query.limit ? rows[query.limit - 1] : undefined;
    return { items, total: Number(count?.n ?? 0), nextCursor: last === undefined ? null : encodeCursor(sort, last) };
  }

  /** The full status the agent last reported, with the spec it loaded from Git (when it sent one), or undefined. */
  async get(environment: string, name: string): Promise<{ summary: ApplicationSummary; status: Record<string, unknown>; spec?: Record<string, unknown> } | undefined> {
    const [row] = await this.#db.all('SELECT * FROM applications a WHERE a.environment = ? AND a.name = ? AND a.deleted = 0', [environment, name]);
    if (row === undefined) return undefined;
    const spec = typeof row.spec === 'string' ? JSON.parse(row.spec) as Record<string, unknown> : undefined;
    return { summary: toSummary(row), status: JSON.parse(String(row.body)) as Record<string, unknown>, ...(spec === undefined ? {} : { spec }) };
  }

  /** Digest of each application of an environment: what the hub holds, compared at resync. */
  async digests(environment: string): Promise<Record<string, string>> {
    const rows = await this.#db.all('SELECT name, digest FROM applications WHERE environment = ? AND deleted = 0', [environment]);
    return Object.fromEntries(rows.map((row) => [String(row.name), String(row.digest)]));
  }

  /** Changes (including deletions) after `version`, in version order: the stream's deltas. */
  async changedSince(version: number, limit = 1000): Promise<ApplicationChange[]> {
    const rows = await this.#db.all('SELECT * FROM applications a WHERE a.version > ? ORDER BY a.version LIMIT ?', [version, limit]);
    return rows.map((row) => ({ version: Number(row.version), environment: String(row.environment), name: String(row.name), deleted: Number(row.deleted) === 1, summary: toSummary(row) }));
  }

  /** Applications reading the repository of `key` (see repoKey), with the ref each follows. */
  async following(key: string): Promise<{ environment: string; name: string; ref: string; revision: string }[]> {
    const rows = await this.#db.all('SELECT environment, name, ref, revision FROM applications WHERE repo_key = ? AND deleted = 0 ORDER BY environment, name', [key]);
    return rows.map((row) => ({ environment: String(row.environment), name: String(row.name), ref: String(row.ref), revision: String(row.revision) }));
  }

  /**
   * The environments with applications reading the repository of `key`, by the ref they follow,
   * with how many (those at `skipAt` left out): a push's agents found without reading every
   * application (ADR 30).
   */
  async followingEnvironments(key: string, skipAt?: string): Promise<{ environment: string; ref: string; applications: number }[]> {
    const rows = await this.#db.all(`SELECT environment, ref, COUNT(*) AS n FROM applications WHERE repo_key = ? AND deleted = 0${skipAt === undefined ? '' : ' AND revision <> ?'} GROUP BY environment, ref ORDER BY environment, ref`,
      skipAt === undefined ? [key] : [key, skipAt]);
    return rows.map((row) => ({ environment: String(row.environment), ref: String(row.ref), applications: Number(row.n) }));
  }

  async version(): Promise<number> {
    const [row] = await this.#db.all("SELECT value FROM counters WHERE name = 'applications'");
    return Number(row?.value ?? 0);
  }
}

function toSummary(row: Row): ApplicationSummary {
  const at = Number(row.last_synced_at);
  return {
    environment: String(row.environment), name: String(row.name), revision: String(row.revision), sync: String(row.sync), health: String(row.health),
    ...(at > 0 ? { lastSyncedAt: new Date(at).toISOString() } : {}),
  };
}

function sortValue(sort: ApplicationSort, row: Row): string | number {
  switch (sort) {
    case 'lastSyncedAt':
      return Number(row.last_synced_at);
    case 'name':
    case 'environment':
    case 'sync':
    case 'health':
    case 'revision':
      return String(row[sort]);
  }
}

function encodeCursor(sort: ApplicationSort, row: Row): string {
  return Buffer.from(JSON.stringify([sort, sortValue(sort, row), String(row.environment), String(row.name)])).toString('base64url');
}

function decodeCursor(cursor: string, sort: ApplicationSort): [string | number, string, string] {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || value.length !== 4 || value[0] !== sort || typeof value[1] !== (sort === 'lastSyncedAt' ? 'number' : 'string') || typeof value[2] !== 'string' || typeof value[3] !== 'string') {
    throw StoreErrors.create('STORE_CURSOR_INVALID', 'invalid cursor: pass back the nextCursor of the previous page, with the same sort');
  }
  return [value[1] as string | number, value[2], value[3]];
}
