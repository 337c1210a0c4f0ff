/**
 * The watch's reports of managed objects that changed without drifting, gathered for a short
 * window: the newest manifest per object, handed over once per window.
 */
import type { Manifest } from '@trueup/api';

export class ObservedBatch {
  readonly #windowMs: number;
  readonly #flush: (batch: ReadonlyMap<string, Manifest>) => void;
  #pending = new Map<string, Manifest>();
  #timer: NodeJS.Timeout | undefined;

  constructor(windowMs: number, flush: (batch: ReadonlyMap<string, Manifest>) => void) {
    this.#windowMs = windowMs;
    this.#flush = flush;
  }

  add(id: string, manifest: Manifest): void {
    this.#pending.set(id, manifest);
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      const batch = this.#pending;
      this.#pending = new Map();
      this.#flush(batch);
    }, this.#windowMs);
  }

  close(): void {
    clearTimeout(this.#timer);
  }
}
