/**
 * Users and groups by name or id, from the host's /etc/passwd and /etc/group (the agent's own
 * system, not the destination root), with `getent` for names that only NSS knows.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { HostErrors } from './errors.ts';

const CACHE_MS = 2000;

interface Table {
  byName: Map<string, number>;
  byId: Map<number, string>;
  /** Answers of `getent` (undefined: unknown), until the table is read again. */
  fromNss: Map<string, number | undefined>;
}

export type OwnerDatabase = 'passwd' | 'group';

export class Owners {
  readonly #files: Record<OwnerDatabase, string>;
  readonly #tables = new Map<OwnerDatabase, { loadedAt: number; table: Promise<Table> }>();

  constructor(files: Record<OwnerDatabase, string> = { passwd: '/etc/passwd', group: '/etc/group' }) {
    this.#files = files;
  }

  /** The numeric id of a user or group given by name or id; throws HOST_OWNER_UNKNOWN. */
  async idOf(database: OwnerDatabase, value: string | number, field: string): Promise<number> {
    if (typeof value === 'number') return value;
    const table = await this.#table(database);
    let known = table.byName.get(value) ?? table.fromNss.get(value);
    if (known === undefined && !table.fromNss.has(value)) {
      known = await getent(database, value);
      table.fromNss.set(value, known);
    }
    if (known !== undefined) return known;
    if (/^\d+$/.test(value)) return Number(value);
    const what = database === 'passwd' ? 'user' : 'group';
    throw HostErrors.create('HOST_OWNER_UNKNOWN', `unknown ${what} "${value}"`, { field });
  }

  /** The name of an id, if the host has one. */
  async nameOf(database: OwnerDatabase, id: number): Promise<string | undefined> {
    return (await this.#table(database)).byId.get(id);
  }

  /**
   * The live owner as the user wrote it when it means the same id (`0` stays `0`, `root` stays
   * `root`), else the name when there is one, else the id.
   */
  async display(database: OwnerDatabase, id: number, desired: string | number | undefined): Promise<string | number> {
    if (desired === id) return desired;
    if (typeof desired === 'string') {
      const desiredId = await this.idOf(database, desired, '').catch(() => undefined);
      if (desiredId === id) return desired;
    }
    return (await this.nameOf(database, id)) ?? id;
  }

  #table(database: OwnerDatabase): Promise<Table> {
    const cached = this.#tables.get(database);
    const now = Date.now();
    if (cached !== undefined && now - cached.loadedAt < CACHE_MS) return cached.table;
    const table = loadTable(this.#files[database]);
    this.#tables.set(database, { loadedAt: now, table });
    return table;
  }
}

async function loadTable(file: string): Promise<Table> {
  const table: Table = { byName: new Map(), byId: new Map(), fromNss: new Map() };
  const text = await readFile(file, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':');
    if (name === undefined || name === '' || name.startsWith('#') || id === undefined || !/^\d+$/.test(id)) continue;
    const number = Number(id);
    if (!table.byName.has(name)) table.byName.set(name, number);
    if (!table.byId.has(number)) table.byId.set(number, name);
  }
  return table;
}

/** Asks NSS (LDAP, systemd-userdb…) for a name the files lack; undefined when unknown or no getent. */
function getent(database: OwnerDatabase, name: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    execFile('getent', [database, name], { timeout: 2000 }, (error, stdout) => {
      const id = error === null ? stdout.split(':')[2] : undefined;
      resolve(id !== undefined && /^\d+$/.test(id) ? Number(id) : undefined);
    });
  });
}
