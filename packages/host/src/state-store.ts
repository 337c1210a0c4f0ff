/**
 * The provider's own records under the state directory, one JSON file per object:
 * `<stateDir>/host/<application>/<area>/<name>.json`. Writes are atomic (temp file, rename).
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { errnoCode } from './errors.ts';

/** What `write` names its temp files. */
const TEMP_NAME = /\.json\.[0-9a-f]{12}\.tmp$/;

export type StateArea = 'services' | 'commands' | 'objects' | 'logs';

export class StateStore {
  readonly dir: string;
  readonly application: string;
  /** Short and stable for this state directory and application: marks the processes started from it. */
  readonly id: string;
  readonly #made = new Set<StateArea>();
  readonly #swept = new Map<StateArea, Promise<number>>();

  constructor(stateDir: string, application: string) {
    this.dir = join(stateDir, 'host', encodeURIComponent(application));
    this.application = application;
    this.id = createHash('sha256').update(this.dir).digest('hex').slice(0, 12);
  }

  /** The file of a record (or, for `logs`, of a log) of the object `name`. */
  file(area: StateArea, name: string, extension = '.json'): string {
    return join(this.dir, area, `${encodeURIComponent(name)}${extension}`);
  }

  async ensureArea(area: StateArea): Promise<string> {
    const dir = join(this.dir, area);
    if (!this.#made.has(area)) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await this.sweep(area);
      this.#made.add(area);
    }
    return dir;
  }

  /**
   * Removes the temp files of writes a crash interrupted (`<name>.json.<hex>.tmp`), once per area,
   * of those last changed before this process started: a write of this process is never one of them.
   */
  async sweepAll(): Promise<number> {
    const counts = await Promise.all((['services', 'commands', 'objects'] as const).map((area) => this.sweep(area)));
    return counts.reduce((sum, count) => sum + count, 0);
  }

  sweep(area: StateArea): Promise<number> {
    let sweep = this.#swept.get(area);
    if (sweep === undefined) this.#swept.set(area, (sweep = sweepArea(join(this.dir, area))));
    return sweep;
  }

  /** The record, or undefined when it is missing or unreadable (a torn record is treated as none). */
  async read<T>(area: StateArea, name: string): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(this.file(area, name), 'utf8')) as T;
    } catch {
      return undefined;
    }
  }

  async write(area: StateArea, name: string, value: unknown, durable = false): Promise<void> {
    await this.ensureArea(area);
    const target = this.file(area, name);
    const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`);
      if (durable) await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async remove(area: StateArea, name: string): Promise<void> {
    await rm(this.file(area, name), { force: true });
  }

  /** Names of the records in an area. */
  async list(area: StateArea): Promise<string[]> {
    await this.sweep(area);
    try {
      const files = await readdir(join(this.dir, area));
      return files.filter((file) => file.endsWith('.json')).map((file) => decodeURIComponent(file.slice(0, -'.json'.length)));
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return [];
      throw error;
    }
  }
}

async function sweepArea(dir: string): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names.filter((entry) => TEMP_NAME.test(entry))) {
    const stats = await lstat(join(dir, name)).catch(() => undefined);
    if (stats === undefined || !stats.isFile() || stats.mtimeMs >= performance.timeOrigin) continue;
    await rm(join(dir, name), { force: true }).then(() => (removed += 1), () => undefined);
  }
  return removed;
}
