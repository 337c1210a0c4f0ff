/**
 * A caller's visible applications as the rows to read, not a test on every row: when every
 * scope names its environments exactly and its applications exactly or by an ASCII prefix
 * (`pay*`), and carries no labels, what it sees is a set of ranges of the (environment, name)
 * key. Merged into disjoint ranges, they become the list's FROM: one index range scan per
 * range yields each visible row once, so the count and the page read those rows and nothing
 * else (no set of keys built and then looked up again, as the WHERE form must).
 */
import type { Engine, Param } from './db.ts';
import { asciiPrefix, isWild, successor, type Visibility } from './visibility.ts';

/** [low, high) of names in one environment. */
export interface KeyRange {
  environment: string;
  low: string;
  high: string;
}

/** More ranges than this and the WHERE form is used (a statement's parameters are bounded). */
const MAX_RANGES = 2000;

const ascii = (text: string): boolean => /^[\x20-\x7e]*$/.test(text);

/** The disjoint key ranges the visibility comes to, in key order; undefined when it is not only ranges. */
export function visibleKeyRanges(visibility: Visibility): KeyRange[] | undefined {
  if (visibility === 'all') return undefined;
  const ranges: KeyRange[] = [];
  for (const scope of visibility) {
    if (Object.keys(scope.labels).length > 0 || scope.environments.some(isWild) || scope.applications.includes('*')) return undefined;
    for (const environment of scope.environments) {
      for (const glob of scope.applications) {
        const prefix = asciiPrefix(glob);
        if (isWild(glob) && prefix === undefined) return undefined;
        // Bounds are compared here as the databases compare them (byte order): ASCII only.
        if (!ascii(environment) || !ascii(glob)) return undefined;
        // Names hold no control characters: [name, name + U+0001) is the name alone.
        ranges.push(prefix === undefined ? { environment, low: glob, high: `${glob}\u0001` } : { environment, low: prefix, high: successor(prefix) });
        if (ranges.length > MAX_RANGES) return undefined;
      }
    }
  }
  return merge(ranges);
}

/** Overlapping or touching ranges of one environment become one, so no row is read twice. */
function merge(ranges: KeyRange[]): KeyRange[] {
  const sorted = [...ranges].sort((a, b) => compare(a.environment, b.environment) || compare(a.low, b.low));
  const merged: KeyRange[] = [];
  for (const range of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && last.environment === range.environment && compare(range.low, last.high) <= 0) {
      if (compare(range.high, last.high) > 0) last.high = range.high;
    } else merged.push({ ...range });
  }
  return merged;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The FROM clause reading the applications of the ranges, aliased `a` (every column). With no
 * ranges nothing is visible: the caller passes a false condition instead.
 * The ranges are the outer loop on both engines, each one index range scan, never a join that
 * tests each candidate row against every range (PostgreSQL: LATERAL with OFFSET 0; SQLite: CROSS
 * JOIN, which keeps its left side outside).
 */
export function rangesSource(engine: Engine, ranges: readonly KeyRange[]): { sql: string; params: Param[] } {
  const list = ranges.map(() => '(?, ?, ?)').join(', ');
  const params = ranges.flatMap((r) => [r.environment, r.low, r.high]);
  if (engine === 'postgres') {
    return {
      sql: `(VALUES ${list}) AS visible (environment, low, high)
        CROSS JOIN LATERAL (SELECT * FROM applications k WHERE k.environment = visible.environment AND k.name >= visible.low AND k.name < visible.high AND k.deleted = 0 OFFSET 0) AS a`,
      params,
    };
  }
  return {
    sql: `(SELECT column1 AS environment, column2 AS low, column3 AS high FROM (VALUES ${list})) AS visible
      CROSS JOIN applications a ON a.environment = visible.environment AND a.name >= visible.low AND a.name < visible.high`,
    params,
  };
}
