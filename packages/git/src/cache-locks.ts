/**
 * Lock files git leaves in a cache repository when it dies mid-command (OOM, power loss, a
 * killed agent): every later fetch then fails on them. Calls on one cache repository are
 * serialized in this process and the state dir has one writer, so a lock older than the git
 * timeout belongs to no running command of ours.
 */
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Removes `*.lock` files older than `olderThanMs` in the repository and under `refs/`; returns their paths. */
export async function removeStaleLocks(gitDir: string, olderThanMs: number, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  const visit = async (dir: string, recurse: boolean): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && recurse) await visit(path, true);
      if (!entry.isFile() || !entry.name.endsWith('.lock')) continue;
      const info = await stat(path).catch(() => undefined);
      if (info === undefined || now - info.mtimeMs <= olderThanMs) continue;
      await rm(path, { force: true });
      removed.push(path);
    }
  };
  await visit(gitDir, false);
  await visit(join(gitDir, 'refs'), true);
  return removed;
}

/** Moves a broken cache repository out of the way and deletes it; the next call creates a new one. */
export async function discardCacheRepo(gitDir: string): Promise<void> {
  const aside = `${gitDir}.broken-${randomBytes(4).toString('hex')}`;
  await rename(gitDir, aside).catch(() => undefined);
  await rm(aside, { recursive: true, force: true });
}
