/**
 * Replacing one entry of an open directory atomically: the new file (or symlink) is made under a
 * temporary name in the same directory, made durable, then renamed over the old name, so readers
 * see the old or the new content and never a part. Whatever is in the way is replaced, except a
 * directory that is not empty: unmanaged data is never deleted.
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fsp, type Stats } from 'node:fs';
import { errnoCode, HostErrors } from './errors.ts';
import type { DirHandle, RootFs } from './root-fs.ts';

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export interface FileAttributes {
  mode: number;
  /** -1 or undefined: leave as created (the agent's user). */
  uid: number | undefined;
  gid: number | undefined;
}

export function tempName(name: string): string {
  const base = name.length > 200 ? '' : `.${name}`;
  return `${base}.trueup-${randomBytes(6).toString('hex')}.tmp`;
}

/** Exactly what `tempName` makes: `.<name>.trueup-<12 hex>.tmp` or `.trueup-<12 hex>.tmp`. */
const TEMP_NAME = /^\.(?:.*\.)?trueup-[0-9a-f]{12}\.tmp$/s;

/** True for the provider's temporary files, which the watch ignores and a sweep removes. */
export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}

/** Writes `bytes` to `dir/name` atomically with the given mode and owner. */
export async function writeFileAtomic(fs: RootFs, dir: DirHandle, name: string, bytes: Uint8Array, attributes: FileAttributes): Promise<void> {
  const temp = tempName(name);
  const handle = await fsp.open(dir.entry(temp), CREATE_FLAGS, 0o600);
  try {
    try {
      await handle.writeFile(bytes);
      if (attributes.uid !== undefined || attributes.gid !== undefined) await handle.chown(attributes.uid ?? -1, attributes.gid ?? -1);
      await handle.chmod(attributes.mode); // after chown, which clears set-id bits
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await fsp.unlink(dir.entry(temp)).catch(() => undefined);
    throw error;
  }
  await renameIntoPlace(fs, dir, temp, name);
}

/** Points `dir/name` at `target` atomically. */
export async function writeSymlinkAtomic(fs: RootFs, dir: DirHandle, name: string, target: string): Promise<void> {
  const temp = tempName(name);
  await fsp.symlink(target, dir.entry(temp));
  await renameIntoPlace(fs, dir, temp, name);
}

/** Renames the finished temp entry over `name` once `dir` is verified still under the root; fsyncs `dir`. */
async function renameIntoPlace(fs: RootFs, dir: DirHandle, temp: string, name: string): Promise<void> {
  try {
    await fs.verify(dir);
    await fsp.rename(dir.entry(temp), dir.entry(name));
  } catch (error) {
    await fsp.unlink(dir.entry(temp)).catch(() => undefined);
    throw error;
  }
  await dir.handle.sync();
}

/**
 * Makes room for a new entry of another type: an empty directory is removed, a non-empty one is
 * refused (HOST_PATH_OCCUPIED); files and symlinks are left for the rename to replace, or removed
 * when `removeFiles` (a directory cannot be renamed over them).
 */
export async function clearWay(fs: RootFs, dir: DirHandle, name: string, existing: Stats | undefined, removeFiles: boolean): Promise<void> {
  if (existing === undefined) return;
  await fs.verify(dir);
  if (existing.isDirectory()) {
    try {
      await fsp.rmdir(dir.entry(name));
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOTEMPTY' || code === 'EEXIST') {
        throw HostErrors.create('HOST_PATH_OCCUPIED', `${dir.path}/${name} is a directory that is not empty; it is never deleted`);
      }
      if (code !== 'ENOENT') throw error;
    }
  } else if (removeFiles) {
    await fsp.unlink(dir.entry(name)).catch((error: unknown) => {
      if (errnoCode(error) !== 'ENOENT') throw error;
    });
  }
}

/** Describes what is at a path when it is not the expected type, for a live spec that differs. */
export function entryType(stats: Stats): string {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'directory';
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  return 'device';
}
