/**
 * A real PostgreSQL for tests: Debian's `initdb` + `postgres` in a temporary directory, on
 * 127.0.0.1 and a free port, trust authentication on loopback only. PostgreSQL refuses to run as
 * root, so under root the server runs as the `postgres` system user (or `nobody`).
 * Missing binaries skip the caller's test, or fail it under CI=true.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { freePort } from './free-port.ts';
import { lastInFirstOut } from './teardown.ts';

export interface TestPostgres {
  /** postgres://trueup@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (fast shutdown) and starts it again on the same port and data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** The folder holding initdb and postgres: Debian's newest version, else PATH. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const version of versions) if (existsSync(join(root, version, 'bin', 'postgres'))) return join(root, version, 'bin');
  }
  const found = spawnSync('sh', ['-c', 'command -v postgres'], { encoding: 'utf8' }).stdout.trim();
  return found === '' ? undefined : join(found, '..');
}

/** Why PostgreSQL cannot run here, or undefined when it can. */
export function postgresMissing(): string | undefined {
  const bin = postgresBinDir();
  if (bin === undefined || !existsSync(join(bin, 'initdb'))) return 'PostgreSQL is not installed (run scripts/provision-tests.sh)';
  return undefined;
}

/** For `test(name, { skip: skipWithoutPostgres() }, …)`: a reason to skip, never under CI=true. */
export function skipWithoutPostgres(): string | false {
  const missing = postgresMissing();
  if (missing === undefined) return false;
  if (process.env.CI === 'true') throw new Error(`${missing}; CI=true requires it`);
  return missing;
}

function runAsUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').map((line) => line.split(':'));
  const user = passwd.find((f) => f[0] === 'postgres') ?? passwd.find((f) => f[0] === 'nobody');
  if (user === undefined) throw new Error('running as root and no postgres or nobody user to run PostgreSQL as');
  return { uid: Number(user[2]), gid: Number(user[3]) };
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error('PostgreSQL is not installed (run scripts/provision-tests.sh)');
  const dir = await mkdtemp(join(tmpdir(), 'trueup-pg-'));
  const data = join(dir, 'data');
  const sockets = join(dir, 'sock');
  await mkdir(sockets);
  const user = runAsUser();
  if (user !== undefined) {
    await chown(dir, user.uid, user.gid);
    await chown(sockets, user.uid, user.gid);
  }
  const ids = user === undefined ? {} : { uid: user.uid, gid: user.gid };
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'trueup', '--auth=trust', '--no-locale', '-E', 'UTF8', '--no-sync'], { encoding: 'utf8', ...ids, cwd: dir });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const started = spawn(join(bin, 'postgres'), ['-D', data, '-h', '127.0.0.1', '-p', String(port), '-k', sockets, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'], { ...ids, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    child = started;
    let log = '';
    started.stderr?.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
    });
    await waitReady(port, started, () => log);
  };
  const kill = (): void => {
    child?.kill('SIGKILL');
  };
  process.once('exit', kill);
  await start();
  const url = `postgres://trueup@127.0.0.1:${port}/postgres`;
  const stopServer = async (): Promise<void> => {
    const running = child;
    if (running === undefined || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGINT'); // fast shutdown: disconnects clients, rolls back their transactions
    await exited;
  };
  return {
    url,
    port,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
      } finally {
        await client.end();
      }
      return `postgres://trueup@127.0.0.1:${port}/${encodeURIComponent(name)}`;
    },
    async restart() {
      await stopServer();
      await start();
    },
    async stop() {
      await stopServer();
      process.removeListener('exit', kill);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitReady(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}: ${log()}`);
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'trueup', database: 'postgres', connectionTimeoutMillis: 1000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`postgres did not accept connections on 127.0.0.1:${port} within 30 s: ${log()}`);
}

/**
 * Declares `NAME (sqlite)` and `NAME (postgres)` (skipped without PostgreSQL): `body` gets the
 * test's last-in-first-out teardown and the database to give the hub (undefined: SQLite; else a
 * fresh PostgreSQL database `database` on a server of its own).
 */
export function testOnBothDatabases(name: string, database: string, body: (cleanup: (fn: () => unknown) => void, url: string | undefined) => Promise<void>): void {
  test(`${name} (sqlite)`, (t) => body(lastInFirstOut(t), undefined));
  test(`${name} (postgres)`, { skip: skipWithoutPostgres() }, async (t) => {
    const cleanup = lastInFirstOut(t);
    const server = await startPostgres();
    cleanup(() => server.stop());
    await body(cleanup, await server.createDatabase(database));
  });
}
