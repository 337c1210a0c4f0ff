/**
 * One small interface over the two engines: parameterised SQL written once with `?`
 * placeholders (rewritten to `$n` for PostgreSQL), rows as plain objects, and transactions.
 * SQLite runs in-process through node:sqlite; PostgreSQL through a `pg` pool.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
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
  const direct: Queryable = {
    engine: 'sqlite',
    async all(sql, params = []) {
      return db.prepare(sql).all(...(params as SQLInputValue[])) as Row[];
    },
    async run(sql, params = []) {
      return Number(db.prepare(sql).run(...(params as SQLInputValue[])).changes);
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

/** BIGINT columns as numbers: every value stored here (ms times, counters) is below 2^53. */
const parseBigint = (text: string): number => Number(text);
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown => (oid === 20 ? parseBigint : pg.types.getTypeParser(oid, format ?? 'text'))) as typeof pg.types.getTypeParser,
};

export function openPostgres(url: string, options: { max?: number } = {}): Db {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, types, connectionTimeoutMillis: 10_000 });
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
    async exec(script) {
      await wrap(pool.query(script));
    },
    async transaction(fn) {
      const client = await wrap(pool.connect());
      try {
        await client.query('BEGIN');
        const result = await fn(on(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
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
    const code = (error as { code?: string }).code;
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === '57P01' || code === '57P03' || (error instanceof Error && /Connection terminated|timeout exceeded when trying to connect/.test(error.message))) {
      throw StoreErrors.create('STORE_UNAVAILABLE', `the database cannot be reached: ${error instanceof Error ? error.message : String(error)}`, {}, { cause: error });
    }
    throw error;
  }
}
