/**
 * How the hub's Server-Sent Event loops wait: until a store signal says something changed, the
 * client goes away, or the keepalive period passes — then the loop sends a comment, so proxies
 * keep the connection and a signal that was lost is made up for.
 */
export const KEEPALIVE_MS = 15_000;

export class SseWake {
  #wake: (() => void) | undefined;
  #poked: boolean;

  /** `poked`: the first `next()` answers at once (a stream that reads before it waits). */
  constructor(poked = false) {
    this.#poked = poked;
  }

  /** Something changed: the loop runs again now. */
  readonly poke = (): void => {
    this.#poked = true;
    this.#wake?.();
  };

  /** Ends a wait without a change (the client went away). */
  readonly interrupt = (): void => this.#wake?.();

  /** Waits unless poked already; true when poked (and takes the poke), false after the keepalive period or an interrupt. */
  async next(): Promise<boolean> {
    if (!this.#poked) {
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, KEEPALIVE_MS).unref();
      });
      this.#wake = undefined;
    }
    const poked = this.#poked;
    this.#poked = false;
    return poked;
  }
}
