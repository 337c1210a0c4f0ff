/**
 * The hub's schema: numbered, forward-only migrations, the same for both engines apart from a
 * few column types. Applied at start inside one transaction each (PostgreSQL: under an advisory
 * lock, so replicas starting together migrate once). A database newer than the code is refused.
 */
import type { Db, Engine, Queryable } from './db.ts';
import { StoreErrors } from './errors.ts';
import type { Dialect, Migration } from './migration-types.ts';
import { CORE_MIGRATIONS } from './schema-core.ts';
import { LATER_MIGRATIONS } from './schema-later.ts';
import { ADOPTION_MIGRATIONS } from './schema-adoptions.ts';
import { RUN_LOG_MIGRATIONS } from './schema-run-logs.ts';

export type { Migration } from './migration-types.ts';

const DIALECTS: Record<Engine, Dialect> = {
  sqlite: { id: 'INTEGER PRIMARY KEY AUTOINCREMENT', text: 'TEXT', jsonText: (column, key) => `json_extract(${column}, '$.${key}')` },
  postgres: { id: 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY', text: 'TEXT COLLATE "C"', jsonText: (column, key) => `(${column}::jsonb ->> '${key}')` },
};

/** Every version in number order, whichever file of the schema holds it. */
export const MIGRATIONS: readonly Migration[] = [...CORE_MIGRATIONS, ...LATER_MIGRATIONS, ...ADOPTION_MIGRATIONS, ...RUN_LOG_MIGRATIONS].sort((a, b) => a.version - b.version);

/** Applies the migrations the database lacks; returns the schema version now in force. */
export async function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): Promise<number> {
  const dialect = DIALECTS[db.engine];
  return db.transaction(async (tx) => {
    if (db.engine === 'postgres') await tx.all('SELECT pg_advisory_xact_lock(7242001)');
    await tx.run('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
    const current = await currentVersion(tx);
    const latest = Math.max(0, ...migrations.map((m) => m.version));
    if (current > latest) throw StoreErrors.create('STORE_SCHEMA_NEWER', `the database is at schema version ${current}, this hub knows up to ${latest}: upgrade the hub`);
    // Every migration the database lacks, in number order: one numbered below another already
    // applied (written in parallel with it) still runs.
    const applied = new Set((await tx.all('SELECT version FROM schema_migrations')).map((row) => Number(row.version)));
    for (const migration of [...migrations].sort((a, b) => a.version - b.version).filter((m) => !applied.has(m.version))) {
      for (const statement of splitStatements(migration.sql(dialect))) await tx.run(statement);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [migration.version, migration.name, Date.now()]);
    }
    return Math.max(current, latest);
  });
}

async function currentVersion(tx: Queryable): Promise<number> {
  const [row] = await tx.all('SELECT MAX(version) AS version FROM schema_migrations');
  return Number(row?.version ?? 0);
}

function splitStatements(script: string): string[] {
  return script.split(/;\s*\n/).map((s) => s.trim()).filter((s) => s !== '');
}
