/**
 * Directories under the destination root, opened safely. Paths are walked one component at a time
 * from an open directory (`/proc/self/fd/N/name`, the equivalent of openat(2) with O_NOFOLLOW), so
 * a symlink anywhere on the way is seen, followed only while it stays under the root, and a parent
 * swapped for a symlink after the check cannot redirect a write: the write goes through the
 * directory that was opened, never through the name again.
 */
import { closeSync, constants, fstatSync, openSync, promises as fsp, readlinkSync, readSync, type Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { errnoCode, HostErrors } from './errors.ts';
import { hostPath, partsUnder } from './root-path.ts';

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const MAX_SYMLINK_HOPS = 40;
const MAX_RETRIES = 100;

/** An open directory under the root; `entry(name)` is a path that resolves through the open descriptor. */
export class DirHandle {
  readonly handle: FileHandle;
  /** Physical components below the real root. */
  readonly parts: readonly string[];
  /** The physical host path when it was opened, for messages. */
  readonly path: string;

  constructor(handle: FileHandle, parts: readonly string[], realRoot: string) {
    this.handle = handle;
    this.parts = parts;
    this.path = hostPath(realRoot, parts);
  }

  entry(name: string): string {
    return `/proc/self/fd/${this.handle.fd}/${name}`;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** What `readEntry` found: file bytes are undefined when the file exceeds the limit. */
export type EntryRead =
  | { type: 'missing' }
  | { type: 'symlink' }
  | { type: 'other'; stats: Stats }
  | { type: 'file'; stats: Stats; bytes: Buffer | undefined };

/** `create`: make missing directories (0755); `open`: undefined when missing; `probe`: undefined when missing or not a directory. */
export type WalkMode = 'create' | 'open' | 'probe';

export class RootFs {
  readonly root: string;
  #real: Promise<string> | undefined;
  #dirs: Map<string, Promise<readonly string[] | undefined>> | undefined;
  #passes = 0;

  constructor(root: string) {
    this.root = root;
  }

  /** The root with symlinks resolved; the root itself is trusted configuration. */
  realRoot(): Promise<string> {
    this.#real ??= resolveRoot(this.root);
    return this.#real;
  }

  /** Opens the directory at `parts`; `path` names the manifest path in error messages. */
  async openDir(parts: readonly string[], mode: WalkMode, field = 'spec.path'): Promise<DirHandle | undefined> {
    const real = await this.realRoot();
    const queue = [...parts];
    let at: string[] = [];
    let hops = 0;
    let retries = 0;
    let current: FileHandle | undefined = await fsp.open(real, DIR_FLAGS);
    const restart = async (from: readonly string[]): Promise<void> => {
      queue.unshift(...from);
      await current?.close();
      current = undefined;
      current = await fsp.open(real, DIR_FLAGS);
      at = [];
    };
    try {
      while (queue.length > 0) {
        const name = queue.shift() ?? '';
        if (name === '' || name === '.') continue;
        if (name === '..') {
          if (at.length === 0) throw HostErrors.create('HOST_PATH_ESCAPES_ROOT', `a symlink under ${real} climbs above the root with ".."`, { field });
          await restart(at.slice(0, -1));
          continue;
        }
        const entry = `/proc/self/fd/${current.fd}/${name}`;
        const next = await openChild(entry);
        if (next !== undefined) {
          await current.close();
          current = next;
          at.push(name);
          continue;
        }
        const stat = await lstatOrUndefined(entry);
        if (stat?.isDirectory() === true && ++retries <= MAX_RETRIES) {
          queue.unshift(name); // created by someone else between open and lstat
          continue;
        }
        if (stat === undefined) {
          if (mode !== 'create') return undefined;
          await fsp.mkdir(entry, 0o755).catch((error: unknown) => {
            if (errnoCode(error) !== 'EEXIST') throw error;
          });
          queue.unshift(name);
          continue;
        }
        if (stat.isSymbolicLink()) {
          if (++hops > MAX_SYMLINK_HOPS) throw HostErrors.create('HOST_NOT_A_DIRECTORY', `${hostPath(real, [...at, name])}: too many levels of symlinks`, { field });
          const target = await fsp.readlink(entry).catch((error: unknown) => {
            // Replaced since the lstat (no longer a symlink, or gone): look at it again.
            if (errnoCode(error) !== 'EINVAL' && errnoCode(error) !== 'ENOENT') throw error;
            return undefined;
          });
          if (target === undefined) {
            if (++retries > MAX_RETRIES) throw HostErrors.create('HOST_APPLY_FAILED', `${hostPath(real, [...at, name])} kept changing while it was resolved; the next pass tries again`, { field });
            hops--;
            queue.unshift(name);
            continue;
          }
          if (!target.startsWith('/')) {
            queue.unshift(...target.split('/'));
            continue;
          }
          const under = partsUnder(real, target);
          if (under === undefined) {
            throw HostErrors.create('HOST_PATH_ESCAPES_ROOT', `${hostPath(real, [...at, name])} is a symlink to ${target}, outside the root ${real}`, { field });
          }
          await restart(under);
          continue;
        }
        if (mode === 'probe') return undefined;
        throw HostErrors.create('HOST_NOT_A_DIRECTORY', `${hostPath(real, [...at, name])} is not a directory`, { field });
      }
      const dir = new DirHandle(current, at, real);
      current = undefined;
      return dir;
    } finally {
      await current?.close();
    }
  }

  /** Opens the directory at `parts`, creating missing directories (0755) on the way. */
  async ensureDir(parts: readonly string[], field = 'spec.path'): Promise<DirHandle> {
    const dir = await this.openDir(parts, 'create', field);
    if (dir === undefined) throw HostErrors.create('HOST_APPLY_FAILED', `could not create ${hostPath(await this.realRoot(), parts)}`, { field });
    return dir;
  }

  /**
   * Runs `pass` with directory resolutions cached (one observe pass over many objects resolves
   * each directory once). Reads stay safe: `openEntry` checks where each opened file really is.
   */
  async cached<T>(pass: () => Promise<T>): Promise<T> {
    if (this.#passes++ === 0) this.#dirs = new Map();
    try {
      return await pass();
    } finally {
      if (--this.#passes === 0) this.#dirs = undefined;
    }
  }

  /** The physical components of an existing directory, undefined when it is missing. */
  resolveDir(parts: readonly string[], field = 'spec.path'): Promise<readonly string[] | undefined> {
    const id = parts.join('/');
    const cached = this.#dirs?.get(id);
    if (cached !== undefined) return cached;
    const resolved = this.openDir(parts, 'open', field).then(async (dir) => {
      await dir?.close();
      return dir?.parts;
    });
    this.#dirs?.set(id, resolved);
    return resolved;
  }

  /**
   * Reads `name` in a resolved directory without following a final symlink, and checks on the
   * open descriptor that the file lies under the root, so a parent swapped meanwhile cannot make
   * it read outside. Synchronous system calls on purpose: observe reads hundreds of small local
   * files per pass, and a thread-pool round trip per call costs several times the call itself.
   */
  async readEntry(dirParts: readonly string[], name: string, maxBytes: number, field = 'spec.path'): Promise<EntryRead> {
    const real = await this.realRoot();
    const path = hostPath(real, [...dirParts, name]);
    let fd: number;
    try {
      fd = openSync(path, READ_FLAGS);
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return { type: 'missing' };
      if (code === 'ELOOP') return { type: 'symlink' };
      throw error;
    }
    try {
      const actual = readlinkSync(`/proc/self/fd/${fd}`);
      if (partsUnder(real, actual) === undefined) {
        throw HostErrors.create('HOST_PATH_ESCAPES_ROOT', `${path} leads to ${actual}, outside the root ${real}`, { field });
      }
      const stats = fstatSync(fd);
      if (!stats.isFile()) return { type: 'other', stats };
      if (stats.size > maxBytes) return { type: 'file', stats, bytes: undefined };
      const buffer = Buffer.allocUnsafe(stats.size + 1);
      const read = readSync(fd, buffer, 0, stats.size + 1, 0);
      return { type: 'file', stats, bytes: read <= stats.size ? buffer.subarray(0, read) : await readFile(`/proc/self/fd/${fd}`) };
    } finally {
      closeSync(fd);
    }
  }

  /** Checks, right before a change, that an open directory still lies under the root. */
  async verify(dir: DirHandle, field = 'spec.path'): Promise<void> {
    const real = await this.realRoot();
    const now = await fsp.readlink(`/proc/self/fd/${dir.handle.fd}`);
    if (now.endsWith(' (deleted)')) throw HostErrors.create('HOST_APPLY_FAILED', `${dir.path} was removed while it was being written`, { field });
    if (partsUnder(real, now) === undefined) throw HostErrors.create('HOST_PATH_ESCAPES_ROOT', `${dir.path} was moved to ${now}, outside the root ${real}`, { field });
  }
}

async function resolveRoot(root: string): Promise<string> {
  try {
    const real = await fsp.realpath(root);
    if ((await fsp.stat(real)).isDirectory()) return real;
  } catch (error) {
    throw HostErrors.create('HOST_ROOT_INVALID', `destination root ${root}: ${errnoCode(error) ?? String(error)}`, {}, { cause: error });
  }
  throw HostErrors.create('HOST_ROOT_INVALID', `destination root ${root} is not a directory`);
}

/** Opens a child directory without following a symlink; undefined when it is missing or not a directory. */
async function openChild(entry: string): Promise<FileHandle | undefined> {
  try {
    return await fsp.open(entry, DIR_FLAGS);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return undefined;
    throw error;
  }
}

export async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await fsp.lstat(path);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
    throw error;
  }
}
