/**
 * Removes the temporary files a crash left in managed folders (`.<name>.trueup-<hex>.tmp`, made
 * by atomic-write.ts and renamed away unless the process died first). Each folder is swept once
 * per provider, the first time a pass reads or prunes something in it, and only of files last
 * changed before this process started: those cannot be a write of this process still in flight,
 * and another agent on the same state directory is excluded by its lock. Nothing else is touched:
 * only entries whose whole name is the temp pattern, and never a directory.
 */
import { promises as fsp } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { isTempName } from './atomic-write.ts';
import { lstatOrUndefined, type RootFs } from './root-fs.ts';
import { objectPathParts } from './root-path.ts';

export class TempSweeper {
  readonly #fs: RootFs;
  /** Files changed at or after this time (ms since the epoch) are left alone. */
  readonly #before: number;
  readonly #swept = new Map<string, Promise<number>>();

  constructor(fs: RootFs, before = performance.timeOrigin) {
    this.#fs = fs;
    this.#before = before;
  }

  /** Sweeps the folders holding `paths` (manifest paths) not swept yet; resolves with how many files went. */
  async sweepFor(paths: Iterable<string>): Promise<number> {
    const sweeps: Promise<number>[] = [];
    for (const path of paths) {
      let parent: string[];
      try {
        parent = objectPathParts(path).parent;
      } catch {
        continue; // an invalid path: apply reports it
      }
      const id = parent.join('/');
      let sweep = this.#swept.get(id);
      if (sweep === undefined) this.#swept.set(id, (sweep = this.#sweep(parent).catch(() => 0)));
      sweeps.push(sweep);
    }
    return (await Promise.all(sweeps)).reduce((sum, count) => sum + count, 0);
  }

  async #sweep(parent: readonly string[]): Promise<number> {
    const dir = await this.#fs.openDir(parent, 'probe');
    if (dir === undefined) return 0;
    let removed = 0;
    try {
      for (const name of await fsp.readdir(dir.entry('.'))) {
        if (!isTempName(name)) continue;
        const stats = await lstatOrUndefined(dir.entry(name));
        if (stats === undefined || stats.isDirectory() || stats.mtimeMs >= this.#before) continue;
        await this.#fs.verify(dir);
        await fsp.unlink(dir.entry(name)).then(() => (removed += 1), () => undefined);
      }
    } finally {
      await dir.close();
    }
    return removed;
  }
}
