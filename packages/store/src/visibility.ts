/**
 * What a caller may see, as SQL: a union of scopes (a project's environment globs, application
 * globs and environment labels), compiled once per query into a parameterised WHERE clause so
 * lists are filtered and counted by the database, not in the hub. Globs know `*` (any run of
 * characters) and `?` (one character); every other character is literal, on both engines.
 */
import type { Engine, Param } from './db.ts';

export interface Scope {
  /** Environment name globs; one must match. */
  environments: readonly string[];
  /** Application name globs; one must match. */
  applications: readonly string[];
  /** Environment labels; all must match. */
  labels: Readonly<Record<string, string>>;
}

/** `all`: no filter; otherwise the union of the scopes (none: nothing is visible). */
export type Visibility = 'all' | readonly Scope[];

export interface SqlFilter {
  clause: string;
  params: Param[];
}

const TRUE: SqlFilter = { clause: '1 = 1', params: [] };
const FALSE: SqlFilter = { clause: '1 = 0', params: [] };

export const isWild = (glob: string): boolean => /[*?]/.test(glob);
const matchesAll = (globs: readonly string[]): boolean => globs.includes('*');

/** One glob as a condition on `column`: equality without wildcards, GLOB on SQLite, LIKE on PostgreSQL. */
export function globSql(engine: Engine, column: string, glob: string): SqlFilter {
  if (glob === '*') return TRUE;
  if (!isWild(glob)) return { clause: `${column} = ?`, params: [glob] };
  if (engine === 'sqlite') return { clause: `${column} GLOB ?`, params: [glob.replace(/\[/g, '[[]')] };
  const like = glob.replace(/[\\%_*?]/g, (c) => (c === '*' ? '%' : c === '?' ? '_' : `\\${c}`));
  return { clause: `${column} LIKE ? ESCAPE '\\'`, params: [like] };
}

function anyOf(engine: Engine, column: string, globs: readonly string[]): SqlFilter {
  if (globs.length === 0) return FALSE;
  if (matchesAll(globs)) return TRUE;
  const exact = globs.filter((g) => !isWild(g));
  const parts: SqlFilter[] = globs.filter(isWild).map((g) => globSql(engine, column, g));
  if (exact.length > 0) parts.unshift({ clause: `${column} IN (${exact.map(() => '?').join(', ')})`, params: exact });
  return or(parts);
}

function and(parts: readonly SqlFilter[]): SqlFilter {
  const kept = parts.filter((p) => p !== TRUE);
  if (kept.includes(FALSE)) return FALSE;
  if (kept.length === 0) return TRUE;
  return { clause: kept.length === 1 ? (kept[0]?.clause ?? '') : kept.map((p) => `(${p.clause})`).join(' AND '), params: kept.flatMap((p) => p.params) };
}

function or(parts: readonly SqlFilter[]): SqlFilter {
  const kept = parts.filter((p) => p !== FALSE);
  if (kept.includes(TRUE)) return TRUE;
  if (kept.length === 0) return FALSE;
  return { clause: kept.length === 1 ? (kept[0]?.clause ?? '') : kept.map((p) => `(${p.clause})`).join(' OR '), params: kept.flatMap((p) => p.params) };
}

function labelsSql(environmentColumn: string, labels: Readonly<Record<string, string>>): SqlFilter {
  return and(Object.entries(labels).map(([key, value]) => ({ clause: `EXISTS (SELECT 1 FROM environment_labels vl WHERE vl.environment = ${environmentColumn} AND vl.key = ? AND vl.value = ?)`, params: [key, value] })));
}

/**
 * The condition under which a row is visible. `applicationColumn` undefined: the row belongs to
 * an environment (it is visible when any scope covers the environment); `nullable`: a NULL
 * application means an environment-wide row. Scopes that differ only in their environment
 * names are merged into one IN list, so 200 projects of one environment each cost one clause.
 */
export function visibilitySql(engine: Engine, visibility: Visibility, environmentColumn: string, applicationColumn?: string, nullable = false): SqlFilter {
  const filter = visibilityFilter(engine, visibility, environmentColumn, applicationColumn, nullable);
  // Parenthesised: it is ANDed with other conditions by the callers.
  return { clause: `(${filter.clause})`, params: filter.params };
}

function visibilityFilter(engine: Engine, visibility: Visibility, environmentColumn: string, applicationColumn: string | undefined, nullable: boolean): SqlFilter {
  if (visibility === 'all') return TRUE;
  if (applicationColumn !== undefined && !nullable) {
    const ranges = keyRanges(engine, visibility, environmentColumn, applicationColumn);
    if (ranges !== undefined) return ranges;
  }
  const plainEnvironments = new Set<string>();
  const parts: SqlFilter[] = [];
  for (const scope of mergeByEnvironment(visibility)) {
    const coversEnvironment = applicationColumn === undefined || matchesAll(scope.applications);
    if (coversEnvironment && Object.keys(scope.labels).length === 0 && scope.environments.every((g) => !isWild(g))) {
      for (const environment of scope.environments) plainEnvironments.add(environment);
      continue;
    }
    const application = applicationColumn === undefined ? TRUE : anyOf(engine, applicationColumn, scope.applications);
    parts.push(and([
      anyOf(engine, environmentColumn, scope.environments),
      labelsSql(environmentColumn, scope.labels),
      nullable && applicationColumn !== undefined && application !== TRUE ? or([{ clause: `${applicationColumn} IS NULL`, params: [] }, application]) : application,
    ]));
  }
  if (plainEnvironments.size > 0) parts.unshift(anyOf(engine, environmentColumn, [...plainEnvironments]));
  return or(parts);
}

const MAX_RANGES = 2000;

/** `abc*` → its literal prefix, when that is plain ASCII (so string order is byte order on both engines). */
export function asciiPrefix(glob: string): string | undefined {
  const prefix = glob.slice(0, -1);
  return glob.endsWith('*') && prefix !== '' && !isWild(prefix) && /^[\x20-\x7e]+$/.test(prefix) ? prefix : undefined;
}

/**
 * When every scope names its environments exactly and its applications exactly or by a prefix
 * (`pay*`), the filter becomes a flat OR of ranges of the (environment, name) primary key:
 * both engines then read only the visible rows through the index (SQLite's OR-by-union,
 * PostgreSQL's bitmap OR) instead of testing every row against every pattern.
 */
function keyRanges(engine: Engine, scopes: readonly Scope[], environmentColumn: string, applicationColumn: string): SqlFilter | undefined {
  const wholeEnvironments = new Set<string>();
  const parts: SqlFilter[] = [];
  /** [environment, from, to) of label-free terms, for PostgreSQL's one VALUES list. */
  const rows: [string, string, string][] = [];
  for (const scope of scopes) {
    if (scope.environments.some(isWild)) return undefined;
    const labels = labelsSql(environmentColumn, scope.labels);
    for (const environment of scope.environments) {
      if (matchesAll(scope.applications)) {
        if (labels === TRUE) wholeEnvironments.add(environment);
        else parts.push(and([{ clause: `${environmentColumn} = ?`, params: [environment] }, labels]));
        continue;
      }
      for (const glob of scope.applications) {
        const prefix = asciiPrefix(glob);
        if (isWild(glob) && prefix === undefined) return undefined;
        // Names hold no control characters: [name, name + U+0001) is the name alone.
        if (labels === TRUE) rows.push(prefix === undefined ? [environment, glob, `${glob}\u0001`] : [environment, prefix, successor(prefix)]);
        const application: SqlFilter = prefix === undefined
          ? { clause: `${environmentColumn} = ? AND ${applicationColumn} = ?`, params: [environment, glob] }
          : { clause: `${environmentColumn} = ? AND ${applicationColumn} >= ? AND ${applicationColumn} < ?`, params: [environment, prefix, successor(prefix)] };
        parts.push(and([application, labels]));
        if (parts.length > MAX_RANGES) return undefined;
      }
    }
  }
  if (wholeEnvironments.size > 0) parts.unshift({ clause: `${environmentColumn} IN (${[...wholeEnvironments].map(() => '?').join(', ')})`, params: [...wholeEnvironments] });
  // Hundreds of OR arms are slow to plan (PostgreSQL: tens of ms) and, next to other filters,
  // may be tested row by row; one VALUES list of key ranges costs almost nothing to plan.
  // (This form suits applications only: the ranges are read from the applications table.)
  if (rows.length > 8 && rows.length === parts.length - (wholeEnvironments.size > 0 ? 1 : 0)) {
    const list = rows.map(() => '(?, ?, ?)').join(', ');
    const values: SqlFilter = {
      // One index range scan of the key per range, into a set each row of the list is looked
      // up in: never a join that tests every application against every range of its environment.
      // (PostgreSQL: LATERAL with OFFSET 0 keeps the planner from flattening it into such a join.)
      clause: engine === 'postgres'
        ? `(${environmentColumn}, ${applicationColumn}) IN (SELECT k.environment, k.name FROM (VALUES ${list}) AS visible (environment, low, high)
        CROSS JOIN LATERAL (SELECT k.environment, k.name FROM applications k WHERE k.environment = visible.environment AND k.name >= visible.low AND k.name < visible.high OFFSET 0) AS k)`
        : `(${environmentColumn}, ${applicationColumn}) IN (SELECT k.environment, k.name FROM (SELECT column1 AS environment, column2 AS low, column3 AS high FROM (VALUES ${list})) AS visible
        JOIN applications k ON k.environment = visible.environment AND k.name >= visible.low AND k.name < visible.high)`,
      params: rows.flat(),
    };
    return or([...(wholeEnvironments.size > 0 ? [{ clause: `${environmentColumn} IN (${[...wholeEnvironments].map(() => '?').join(', ')})`, params: [...wholeEnvironments] }] : []), values]);
  }
  return or(parts);
}

/** The least string above every string that starts with `prefix` (ASCII). */
export function successor(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/**
 * Scopes over the same environments and labels become one scope with the union of their
 * application globs: 200 projects of ten environments cost ten environment tests per row.
 */
function mergeByEnvironment(scopes: readonly Scope[]): Scope[] {
  const merged = new Map<string, Scope>();
  for (const scope of scopes) {
    const key = JSON.stringify([[...scope.environments].sort(), Object.entries(scope.labels).sort()]);
    const known = merged.get(key);
    if (known === undefined) merged.set(key, { ...scope, applications: [...scope.applications] });
    else merged.set(key, { ...known, applications: matchesAll(known.applications) || matchesAll(scope.applications) ? ['*'] : [...new Set([...known.applications, ...scope.applications])] });
  }
  return [...merged.values()];
}

/** The same decision in memory, for one object (a single read, one event of a stream). */
export function scopeCovers(scope: Scope, environment: string, labels: Readonly<Record<string, string>>, application?: string): boolean {
  return scope.environments.some((g) => globMatches(g, environment))
    && Object.entries(scope.labels).every(([k, v]) => labels[k] === v)
    && (application === undefined || scope.applications.some((g) => globMatches(g, application)));
}

export function globMatches(glob: string, value: string): boolean {
  if (glob === '*') return true;
  if (!isWild(glob)) return glob === value;
  const pattern = glob.replace(/[.+^${}()|[\]\\*?]/g, (c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : `\\${c}`));
  return new RegExp(`^${pattern}$`).test(value);
}
