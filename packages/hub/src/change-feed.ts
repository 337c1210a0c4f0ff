/**
 * Tells stream subscribers that applications changed. It carries no data: a subscriber reads the
 * store from its last version, so a missed or coalesced signal never loses a change.
 */
export class ChangeFeed {
  readonly #listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  notify(): void {
    for (const listener of this.#listeners) listener();
  }

  get subscribers(): number {
    return this.#listeners.size;
  }
}
