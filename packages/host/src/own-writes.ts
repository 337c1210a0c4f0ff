/**
 * What the provider itself just did to a path, so the watch does not report its own writes as
 * drift: events are ignored while a change is in flight, and afterwards when the path still looks
 * exactly as the provider left it (same inode, size, times, mode and owner).
 */
import type { Stats } from 'node:fs';

export class OwnWrites {
  readonly #inflight = new Map<string, number>();
  readonly #signatures = new Map<string, string>();

  /** Marks `path` as being changed by the provider; call the returned function when done. */
  begin(path: string): () => void {
    this.#inflight.set(path, (this.#inflight.get(path) ?? 0) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const count = (this.#inflight.get(path) ?? 1) - 1;
      if (count <= 0) this.#inflight.delete(path);
      else this.#inflight.set(path, count);
    };
  }

  /** Remembers how the provider left `path` (undefined: it removed it). */
  record(path: string, stats: Stats | undefined): void {
    this.#signatures.set(path, signature(stats));
  }

  forget(path: string): void {
    this.#signatures.delete(path);
  }

  inFlight(path: string): boolean {
    return this.#inflight.has(path);
  }

  /** True when the path is being changed by the provider or is as the provider left it. */
  isOwn(path: string, stats: Stats | undefined): boolean {
    return this.#inflight.has(path) || this.#signatures.get(path) === signature(stats);
  }
}

function signature(stats: Stats | undefined): string {
  if (stats === undefined) return '-';
  if (stats.isDirectory()) return `d:${stats.ino}:${stats.mode}:${stats.uid}:${stats.gid}`;
  if (stats.isSymbolicLink()) return `l:${stats.ino}:${stats.ctimeMs}`;
  return `f:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}:${stats.mode}:${stats.uid}:${stats.gid}`;
}
