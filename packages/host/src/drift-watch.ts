/**
 * Drift between passes, from inotify: one non-recursive watch per parent directory of a managed
 * path (deduplicated) and on each managed directory, filtered by name. A directory is watched at
 * its physical path (no symlink in it, checked with lstat before and after the watch is placed),
 * and only while that lies under the root: a symlink never leads the watch outside. A watch whose directory is removed, moved or replaced is
 * re-established (or looked for again until it is back), and every target in that directory is
 * checked at once: when it goes, and for what changed while it was not watched when it is back.
 * A replaced grandparent sends no event below it: every watched directory is checked against its
 * path each second (an lstat and a realpath per directory).
 * The provider's own writes are not reported (see `OwnWrites`).
 */
import { lstatSync, realpathSync, watch, type FSWatcher } from 'node:fs';
import { posix } from 'node:path';
import { HOST_API_VERSION, keyId, type DesiredObject, type DriftSignal, type DriftWatch, type ObjectKey } from '@trueup/api';
import { isTempName } from './atomic-write.ts';
import type { OwnWrites } from './own-writes.ts';
import { lstatOrUndefined } from './root-fs.ts';
import { hostPath, partsUnder, pathParts } from './root-path.ts';

/** While a watched directory is missing, how often to look for it again. */
const RETRY_MS = 300;
/**
 * How often every watched directory is checked to still be the one at its path: a grandparent
 * renamed or swapped sends no event to the watch below it.
 */
const RECHECK_MS = 1000;

interface DirWatch {
  watcher: FSWatcher | undefined;
  /** `dev:ino:physical path` of the directory watched. */
  id: string | undefined;
  /** Where it was when last watched (the name self-events carry). */
  physical: string | undefined;
}

export class DriftWatcher implements DriftWatch {
  readonly #root: string;
  readonly #own: OwnWrites;
  readonly #onDrift: (signal: DriftSignal) => void;
  /** Managed host path → the keys of the objects at it. */
  #targets = new Map<string, Map<string, ObjectKey>>();
  readonly #dirs = new Map<string, DirWatch>();
  readonly #missing = new Set<string>();
  readonly #pending = new Map<string, DriftSignal>();
  #flushing = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #recheckTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #realRoot: string | undefined;

  constructor(root: string, own: OwnWrites, onDrift: (signal: DriftSignal) => void) {
    this.#root = root;
    this.#own = own;
    this.#onDrift = onDrift;
  }

  update(objects: readonly DesiredObject[]): void {
    if (this.#closed) return;
    const targets = new Map<string, Map<string, ObjectKey>>();
    const wanted = new Set<string>();
    for (const object of objects) {
      const watched = this.#watchedPath(object);
      if (watched === undefined) continue;
      let keys = targets.get(watched.path);
      if (keys === undefined) targets.set(watched.path, (keys = new Map<string, ObjectKey>()));
      keys.set(keyId(object.key), object.key);
      wanted.add(posix.dirname(watched.path));
      if (watched.isDirectory) wanted.add(watched.path);
    }
    this.#targets = targets;
    for (const dir of [...this.#dirs.keys()]) if (!wanted.has(dir)) this.#unwatch(dir);
    for (const dir of wanted) if (!this.#dirs.has(dir)) this.#watch(dir);
    this.#recheckTimer ??= setInterval(() => {
      for (const [dir, entry] of this.#dirs) if (entry.watcher !== undefined) this.#revalidate(dir);
    }, RECHECK_MS).unref();
  }

  /** Looks again for missing directories now (the provider just created some). */
  nudge(): void {
    for (const dir of [...this.#missing]) this.#revalidate(dir);
  }

  close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#recheckTimer);
    for (const dir of [...this.#dirs.keys()]) this.#unwatch(dir);
    this.#pending.clear();
    return Promise.resolve();
  }

  #watchedPath(object: DesiredObject): { path: string; isDirectory: boolean } | undefined {
    if (object.key.apiVersion !== HOST_API_VERSION) return undefined;
    const spec = object.manifest.spec ?? {};
    const path = object.key.kind === 'Command' ? spec.creates : ['File', 'Directory', 'Symlink'].includes(object.key.kind) ? spec.path : undefined;
    if (typeof path !== 'string') return undefined;
    try {
      const parts = pathParts(path);
      if (parts.length === 0) return undefined;
      return { path: hostPath(this.#root, parts), isDirectory: object.key.kind === 'Directory' };
    } catch {
      return undefined; // an invalid path: apply reports it
    }
  }

  #watch(dir: string): void {
    const entry: DirWatch = { watcher: undefined, id: undefined, physical: undefined };
    this.#dirs.set(dir, entry);
    this.#open(dir, entry);
  }

  /** Watches the directory `dir` leads to, if it lies under the root; false (and looked for again later) otherwise. */
  #open(dir: string, entry: DirWatch): boolean {
    try {
      const before = this.#directoryAt(dir);
      if (before === undefined) throw new Error('not a directory under the root');
      const watcher = watch(before.physical, { persistent: false }, (event, filename) => this.#onEvent(dir, event, filename));
      watcher.on('error', () => this.#revalidate(dir, true));
      if (this.#directoryAt(dir)?.id !== before.id) {
        watcher.close(); // swapped while the watch was placed: it may watch something else
        throw new Error('replaced meanwhile');
      }
      entry.watcher = watcher;
      entry.id = before.id;
      entry.physical = before.physical;
      this.#missing.delete(dir);
      return true;
    } catch {
      entry.watcher = undefined;
      entry.id = undefined;
      this.#missing.add(dir);
      this.#scheduleRetry();
      return false;
    }
  }

  /**
   * The directory `dir` leads to, when it is one under the real root: its physical path (no
   * symlink in it, so the watch follows none) and an id that changes when either changes.
   */
  #directoryAt(dir: string): { physical: string; id: string } | undefined {
    try {
      this.#realRoot ??= realpathSync.native(this.#root);
      const physical = realpathSync.native(dir);
      if (partsUnder(this.#realRoot, physical) === undefined) return undefined;
      const stats = lstatSync(physical);
      return stats.isDirectory() ? { physical, id: `${stats.dev}:${stats.ino}:${physical}` } : undefined;
    } catch {
      return undefined;
    }
  }

  #unwatch(dir: string): void {
    this.#dirs.get(dir)?.watcher?.close();
    this.#dirs.delete(dir);
    this.#missing.delete(dir);
  }

  /**
   * Re-establishes the watch of `dir` when it is gone, missing or a different directory now. When
   * a watch is lost, every target in `dir` is checked (it went with the directory); when one is
   * placed again, the targets there are checked for what changed while nothing watched.
   */
  #revalidate(dir: string, force = false): void {
    const entry = this.#dirs.get(dir);
    if (entry === undefined || this.#closed) return;
    const watching = entry.watcher !== undefined;
    if (!force && watching && this.#directoryAt(dir)?.id === entry.id) return;
    entry.watcher?.close();
    const opened = this.#open(dir, entry);
    if (watching) this.#checkIn(dir, 'replaced', false);
    else if (opened) this.#checkIn(dir, 'watched again', true);
  }

  /** Checks every target in `dir` (and `dir` itself when it is one); `present`: only those that exist. */
  #checkIn(dir: string, event: string, present: boolean): void {
    for (const path of this.#targets.keys()) if (posix.dirname(path) === dir || path === dir) this.#check(path, event, present);
  }

  #scheduleRetry(): void {
    if (this.#retryTimer !== undefined || this.#closed) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.nudge();
      if (this.#missing.size > 0) this.#scheduleRetry();
    }, RETRY_MS).unref();
  }

  #onEvent(dir: string, event: string, filename: string | null): void {
    if (this.#closed) return;
    if (filename === null) {
      this.#checkIn(dir, event, false);
      this.#revalidate(dir);
      return;
    }
    if (isTempName(filename)) return;
    const path = posix.join(dir, filename);
    if (this.#targets.has(path)) this.#check(path, event);
    const physical = this.#dirs.get(dir)?.physical;
    if (filename === posix.basename(dir) || (physical !== undefined && filename === posix.basename(physical))) {
      // Possibly an event on the watched directory itself.
      if (this.#targets.has(dir)) this.#check(dir, event);
      this.#revalidate(dir);
    }
    if (this.#dirs.has(path)) this.#revalidate(path);
  }

  #check(path: string, event: string, present = false): void {
    if (this.#own.inFlight(path)) return;
    void lstatOrUndefined(path)
      .catch(() => undefined)
      .then((stats) => {
        if (this.#closed || this.#own.isOwn(path, stats) || (present && stats === undefined)) return;
        for (const [id, key] of this.#targets.get(path) ?? []) this.#queue(id, { key, source: 'watch', detail: `${event} ${path}` });
      });
  }

  #queue(id: string, signal: DriftSignal): void {
    this.#pending.set(id, signal);
    if (this.#flushing) return;
    this.#flushing = true;
    setImmediate(() => {
      this.#flushing = false;
      const signals = [...this.#pending.values()];
      this.#pending.clear();
      for (const item of signals) {
        try {
          this.#onDrift(item);
        } catch {
          // A listener's failure must not stop the watch.
        }
      }
    });
  }
}
