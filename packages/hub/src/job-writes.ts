/** Writes of a job's row in the order they were made: a late write never overwrites a newer state. */
import type { HubStore, RunJobRecord } from '@trueup/store';

export class JobWrites {
  readonly #store: HubStore;
  readonly #writes = new Map<string, Promise<void>>();

  constructor(store: HubStore) {
    this.#store = store;
  }

  /** Writes the record as it is now, after the job's earlier writes. */
  async put(record: RunJobRecord): Promise<void> {
    const id = `${record.runId}/${record.key}`;
    const snapshot = { ...record, steps: record.steps.filter((step) => step !== undefined) };
    const next = (this.#writes.get(id) ?? Promise.resolve()).catch(() => undefined).then(() => this.#store.runs.putJob(snapshot));
    this.#writes.set(id, next);
    try {
      await next;
    } finally {
      if (this.#writes.get(id) === next) this.#writes.delete(id);
    }
  }
}
