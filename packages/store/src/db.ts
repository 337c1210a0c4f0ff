/**
 * One small interface over the two engines: parameterised SQL written once with `?`
 * placeholders (rewritten to `$n` for PostgreSQL), rows as plain objects, and transactions.
 * SQLite runs in-process through node:sqlite; PostgreSQL through a `pg` pool.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { isTrueupError } from '@trueup/api';
import pg from 'pg';
import { StoreErrors } from './errors.ts';

export type Engine = 'sqlite' | 'postgres';
export type Param = string | number | null;
/** A column's value as both engines return it (BLOBs are not used). */
export type Value = string | number | bigint | null;
export type Row = Record<string, Value>;

export interface Queryable {
  readonly engine: Engine;
  all(sql: string, params?: readonly Param[]): Promise<Row[]>;
  /** Runs a statement; resolves with the number of rows it changed. */
  run(sql: string, params?: readonly Param[]): Promise<number>;
}

export interface Db extends Queryable {
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  exec(script: string): Promise<void>;
  close(): Promise<void>;
}

/** `?` placeholders to PostgreSQL's `$1, $2 …` (the SQL here has no `?` in literals). */
export function toPostgres(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export function openSqlite(file: string): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const db = new DatabaseSync(file, { timeout: 5000 });
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;');
  // One connection: every call waits its turn, so a transaction never interleaves with another call.
  let turn: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T> | T): Promise<T> => {
    const result = turn.then(fn);
    turn = result.catch(() => undefined);
    return result;
  };
  const prepare = preparedOnce(db);
  const direct: Queryable = {
    engine: 'sqlite',
    async all(sql, params = []) {
      return prepare(sql).all(...(params as SQLInputValue[])) as Row[];
    },
    async run(sql, params = []) {
      return Number(prepare(sql).run(...(params as SQLInputValue[])).changes);
    },
  };
  return {
    engine: 'sqlite',
    all: (sql, params) => serial(() => direct.all(sql, params)),
    run: (sql, params) => serial(() => direct.run(sql, params)),
    exec: (script) => serial(() => db.exec(script)),
    transaction: (fn) => serial(async () => {
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(direct);
        db.exec('COMMIT');
        return result;
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    }),
    close: () => serial(() => db.close()),
  };
}

/** Statements kept prepared, by their SQL; past this many the least recently used is dropped. */
const PREPARED_STATEMENTS = 256;

/**
 * SQLite's statements compiled once and reused: parsing and planning a statement costs more
 * than running it on a small table (a push's thousands of command writes repeat a few
 * statements). A Map keeps insertion order, so re-inserting on use makes it an LRU.
 */
function preparedOnce(db: DatabaseSync): (sql: string) => StatementSync {
  const statements = new Map<string, StatementSync>();
  return (sql) => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql);
      if (statements.size >= PREPARED_STATEMENTS) {
        const [oldest] = statements.keys();
        if (oldest !== undefined) statements.delete(oldest);
      }
    } else statements.delete(sql);
    statements.set(sql, statement);
    return statement;
  };
}

/** BIGINT columns as numbers: every value stored here (ms times, counters) is below 2^53. */
const parseBigint = (text: string): number => Number(text);
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown => (oid === 20 ? parseBigint : pg.types.getTypeParser(oid, format ?? 'text'))) as typeof pg.types.getTypeParser,
};

export function openPostgres(url: string, options: { max?: number } = {}): Db {
  const max = options.max ?? 10;
  const pool = new pg.Pool({ connectionString: url, max, types, connectionTimeoutMillis: 10_000 });
  // An idle client losing its server (a PostgreSQL restart) must not crash the hub.
  pool.on('error', () => undefined);
  const on = (client: pg.Pool | pg.PoolClient): Queryable => ({
    engine: 'postgres',
    async all(sql, params = []) {
      const result = await wrap(client.query<Row>(toPostgres(sql), params as Param[]));
      return result.rows;
    },
    async run(sql, params = []) {
      return (await wrap(client.query(toPostgres(sql), params as Param[]))).rowCount ?? 0;
    },
  });
  const direct = on(pool);
  return {
    ...direct,
    // An idle pooled client may have lost its server (a restart) before the pool noticed; a
    // read is answered on another connection. Writes are not repeated: they may have committed.
    async all(sql, params) {
      // Each failed attempt destroys one stale client; there are at most `max` of them.
      for (let attempt = 0; ; attempt++) {
        try {
          return await direct.all(sql, params);
        } catch (error) {
          if (!isTrueupError(error, 'STORE_UNAVAILABLE') || !/^\s*SELECT\b/i.test(sql) || attempt >= max) throw error;
        }
      }
    },
    async exec(script) {
      await wrap(pool.query(script));
    },
    async transaction(fn) {
      const client = await wrap(pool.connect());
      // A checked-out client has no pool listener: its server going away between two queries
      // (a restart's 57P01) would be an unhandled 'error' event, which ends the process.
      let lost: unknown;
      const onLost = (error: unknown): void => {
        lost ??= error;
      };
      client.on('error', onLost);
      let failure: unknown;
      try {
        await wrap(client.query('BEGIN'));
        const result = await fn(on(client));
        await wrap(client.query('COMMIT'));
        return result;
      } catch (error) {
        failure = error;
        await client.query('ROLLBACK').catch(() => undefined);
        throw lost !== undefined && !isTrueupError(error, 'STORE_UNAVAILABLE') ? unavailable(lost) : error;
      } finally {
        client.removeListener('error', onLost);
        // A client whose connection failed is destroyed, not handed to the next caller.
        const broken = lost !== undefined || isTrueupError(failure, 'STORE_UNAVAILABLE');
        client.release(broken ? (lost instanceof Error ? lost : new Error('connection lost')) : undefined);
      }
    },
    close: () => pool.end(),
  };
}

/** Connection failures become STORE_UNAVAILABLE (retryable); SQL errors pass through. */
async function wrap<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    throw isConnectionError(error) ? unavailable(error) : error;
  }
}

/** Class 08 (connection exception), 57P01-57P03 (shutdown, crash, cannot connect now), sockets, and pg's own closed-client errors. */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  if (code !== undefined && (/^08/.test(code) || /^57P0[123]$/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code))) return true;
  return error instanceof Error && /Connection terminated|timeout exceeded when trying to connect|is not queryable|not connected/.test(error.message);
}

function unavailable(error: unknown): Error {
  return StoreErrors.create('STORE_UNAVAILABLE', `the database cannot be reached: ${error instanceof Error ? error.message : String(error)}`, {}, { cause: error });
}
