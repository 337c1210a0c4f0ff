/**
 * `concurrency` groups across runs: one holder per group at a time, the others waiting in a
 * bounded FIFO queue (one more than that is refused); with `cancel-in-progress` a newcomer
 * cancels the holder and everyone waiting before it.
 */

/** Runs or jobs waiting for one group, at most. */
export const CONCURRENCY_QUEUE_MAX = 10;

interface Entry {
  owner: string;
  wake: () => void;
  cancelled: string | undefined;
}

export class ConcurrencyGroups {
  readonly #holders = new Map<string, string>();
  readonly #queues = new Map<string, Entry[]>();
  readonly #cancelOwner: (owner: string, reason: string) => void;

  /** `cancelOwner` cancels the run holding a group (its owner id is the run's). */
  constructor(cancelOwner: (owner: string, reason: string) => void) {
    this.#cancelOwner = cancelOwner;
  }

  async acquire(group: string, owner: string, cancelInProgress: boolean, signal: AbortSignal, onWait: (why: string) => void): Promise<{ ok: true; release: () => void } | { ok: false; reason: string }> {
    const queue = this.#queues.get(group) ?? [];
    this.#queues.set(group, queue);
    if (cancelInProgress) {
      for (const older of queue.splice(0)) {
        older.cancelled = `cancelled by run ${owner} in concurrency group "${group}"`;
        older.wake();
      }
      const holder = this.#holders.get(group);
      if (holder !== undefined && holder !== owner) this.#cancelOwner(holder, `run ${owner} in concurrency group "${group}" (cancel-in-progress)`);
    } else if (queue.length >= CONCURRENCY_QUEUE_MAX) {
      return { ok: false, reason: `concurrency group "${group}" has ${CONCURRENCY_QUEUE_MAX} runs waiting already` };
    }
    let wake: () => void = () => undefined;
    const me: Entry = { owner, wake: () => wake(), cancelled: undefined };
    queue.push(me);
    const onAbort = (): void => wake();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (me.cancelled !== undefined) return { ok: false, reason: me.cancelled };
        if (signal.aborted) return { ok: false, reason: 'cancelled' };
        const holder = this.#holders.get(group);
        if ((holder === undefined || holder === owner) && queue[0] === me) break;
        onWait(`waiting in concurrency group "${group}"${holder === undefined ? '' : ` behind run ${holder}`}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      this.#holders.set(group, owner);
      return {
        ok: true,
        release: () => {
          if (this.#holders.get(group) === owner) this.#holders.delete(group);
          this.#queues.get(group)?.[0]?.wake();
        },
      };
    } finally {
      signal.removeEventListener('abort', onAbort);
      const at = queue.indexOf(me);
      if (at !== -1) queue.splice(at, 1);
      if (me.cancelled === undefined) queue[0]?.wake();
    }
  }
}
