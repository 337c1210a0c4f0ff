/**
 * SQLite statements are compiled once and kept (a bounded LRU): the answers stay those of the
 * SQL as written, past the bound, across a change of the schema, and inside transactions.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSqlite } from './db.ts';

test('kept statements answer as freshly compiled ones would, past the bound and across a schema change', async () => {
  const db = openSqlite(':memory:');
  // Rows come with a null prototype: compared as plain objects.
  const all = async (sql: string, params: (string | number)[] = []): Promise<Record<string, unknown>[]> => (await db.all(sql, params)).map((row) => ({ ...row }));
  try {
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)');
    await db.run('INSERT INTO t (id, name) VALUES (?, ?)', [1, 'one']);
    const first = 'SELECT name FROM t WHERE id = ?';
    assert.deepEqual(await all(first, [1]), [{ name: 'one' }]);
    // More distinct statements than are kept: the first is compiled again when it comes back.
    for (let i = 0; i < 300; i++) assert.deepEqual(await all(`SELECT ${i} AS n FROM t WHERE id = ?`, [1]), [{ n: i }]);
    assert.deepEqual(await all(first, [1]), [{ name: 'one' }]);
    // A kept statement after the table changed sees the new column and rows.
    const everything = 'SELECT * FROM t ORDER BY id';
    assert.deepEqual(await all(everything), [{ id: 1, name: 'one' }]);
    await db.exec("ALTER TABLE t ADD COLUMN note TEXT NOT NULL DEFAULT ''");
    await db.run('INSERT INTO t (id, name, note) VALUES (?, ?, ?)', [2, 'two', 'x']);
    assert.deepEqual(await all(everything), [{ id: 1, name: 'one', note: '' }, { id: 2, name: 'two', note: 'x' }]);
    // The same statement inside a transaction that rolls back, then outside it.
    const insert = 'INSERT INTO t (id, name) VALUES (?, ?)';
    await assert.rejects(db.transaction(async (tx) => {
      assert.equal(await tx.run(insert, [3, 'three']), 1);
      await tx.run(insert, [3, 'again']);
    }));
    assert.deepEqual(await all('SELECT id FROM t WHERE id = ?', [3]), []);
    assert.equal(await db.run(insert, [3, 'three']), 1);
  } finally {
    await db.close();
  }
});
