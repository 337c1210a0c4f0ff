/** Runs a store test on both engines: SQLite in a temp dir and a fresh database on a real PostgreSQL. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipWithoutPostgres, startPostgres, type TestPostgres } from '@trueup/testkit/postgres';
import { openStore, type HubStore } from './hub-store.ts';

let server: Promise<TestPostgres> | undefined;
let databases = 0;

/** One PostgreSQL per test file, stopped when the file's tests end. */
export function sharedPostgres(after: (fn: () => Promise<void>) => void): Promise<TestPostgres> {
  if (server === undefined) {
    server = startPostgres();
    after(async () => (await server)?.stop());
  }
  return server;
}

type Context = { test: (name: string, options: { skip?: string | false }, fn: () => Promise<void>) => Promise<void>; after: (fn: () => Promise<void>) => void };

/** Declares `name` once per engine under `t`; `fn` gets a freshly migrated store and where it lives. */
export async function onBothEngines(t: Context, name: string, fn: (store: HubStore, location: string) => Promise<void>, options: { keepOpen?: boolean } = {}): Promise<void> {
  await t.test(`${name} (sqlite)`, {}, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trueup-store-'));
    const location = join(dir, 'hub.db');
    const store = await openStore(location);
    try {
      await fn(store, location);
    } finally {
      if (options.keepOpen !== true) await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
  await t.test(`${name} (postgres)`, { skip: skipWithoutPostgres() }, async () => {
    const pg = await sharedPostgres((fn) => t.after(fn));
    const location = await pg.createDatabase(`t${++databases}`);
    const store = await openStore(location);
    try {
      await fn(store, location);
    } finally {
      if (options.keepOpen !== true) await store.close();
    }
  });
}
