import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { GitErrors } from './errors.ts';
import { git, type GitContext } from './git-context.ts';
import { isFullSha } from './refs.ts';

/** Temporary folders older than this are left over from a crash and removed when pruning. */
const STALE_TMP_MS = 10 * 60 * 1000;

/**
 * Writes the tree of commit `sha` to `<checkoutsDir>/<sha>`: into a temporary folder with a
 * throw-away index (`git read-tree --reset -u`, one process, keeps modes and symlinks), then
 * renamed into place. A `<sha>` folder is therefore always complete. Reuse refreshes its mtime,
 * which is what pruning orders by.
 */
export async function materialize(ctx: GitContext, sha: string, checkoutsDir: string): Promise<{ dir: string; created: boolean }> {
  const dir = join(checkoutsDir, sha);
  if (existsSync(dir)) {
    await touch(dir);
    return { dir, created: false };
  }
  await mkdir(checkoutsDir, { recursive: true });
  const tmp = join(checkoutsDir, `.tmp-${sha.slice(0, 12)}-${randomBytes(4).toString('hex')}`);
  const index = `${tmp}.index`;
  await mkdir(tmp);
  try {
    const result = await git(ctx, [`--work-tree=${tmp}`, 'read-tree', '--reset', '-u', sha], { env: { GIT_INDEX_FILE: index } });
    if (result.exitCode !== 0) throw GitErrors.create('GIT_CACHE_FAILED', `cannot write the files of ${sha} from ${ctx.repo.display} to ${tmp}: ${result.stderr.trim()}`);
    try {
      await rename(tmp, dir);
    } catch (error) {
      if (!existsSync(dir)) throw error;
      // Another process wrote the same commit first: its copy is as good.
      return { dir, created: false };
    }
    return { dir, created: true };
  } finally {
    await rm(tmp, { recursive: true, force: true });
    await rm(index, { force: true });
  }
}

/**
 * Whether `path` (clean, relative) is a folder of the checkout in `dir` through real folders
 * only, as git finds a tree at `<sha>:<path>` (a symlink is a blob to git, and an empty folder
 * is in neither).
 */
export async function isFolderInCheckout(dir: string, path: string): Promise<boolean> {
  let current = dir;
  for (const part of path.split('/')) {
    current = join(current, part);
    const info = await lstat(current).catch(() => undefined);
    if (info?.isDirectory() !== true) return false;
  }
  return true;
}

/**
 * Keeps the `keep` most recently used checkouts plus the `protect`ed ones (the latest of every
 * ref in use), deletes the others and stale temporary folders. Returns the deleted commit SHAs.
 */
export async function pruneCheckouts(checkoutsDir: string, keep: number, protect: ReadonlySet<string>): Promise<string[]> {
  const entries = await readdir(checkoutsDir).catch(() => []);
  const now = Date.now();
  const checkouts: Array<{ sha: string; mtimeMs: number }> = [];
  for (const name of entries) {
    const path = join(checkoutsDir, name);
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) continue;
    if (name.startsWith('.tmp-')) {
      if (now - info.mtimeMs > STALE_TMP_MS) await rm(path, { recursive: true, force: true });
    } else if (isFullSha(name) && info.isDirectory()) {
      checkouts.push({ sha: name, mtimeMs: info.mtimeMs });
    }
  }
  checkouts.sort((a, b) => b.mtimeMs - a.mtimeMs);
  const removed: string[] = [];
  for (const [rank, { sha }] of checkouts.entries()) {
    if (rank < keep || protect.has(sha)) continue;
    await rm(join(checkoutsDir, sha), { recursive: true, force: true });
    removed.push(sha);
  }
  return removed;
}

async function touch(path: string): Promise<void> {
  const now = new Date();
  await utimes(path, now, now).catch(() => undefined);
}
