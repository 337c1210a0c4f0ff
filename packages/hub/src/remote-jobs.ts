/**
 * Jobs of runs held here that a runner of another replica runs: what that replica reports is
 * applied to them in order. Reports for a job of a run taken over here that has not resumed
 * yet are kept (bounded) until the run adopts the job.
 */
import type { Pending, RemoteJobFrame } from './runner-hub-types.ts';

/** At most this many frames are kept per job before its run resumes. */
const MAX_EARLY_FRAMES = 10_000;

export class RemoteJobs {
  readonly #jobs = new Map<string, Pending>();
  readonly #early = new Map<string, RemoteJobFrame[]>();

  get(key: string): Pending | undefined {
    return this.#jobs.get(key);
  }

  has(key: string): boolean {
    return this.#jobs.has(key);
  }

  set(key: string, job: Pending): void {
    this.#jobs.set(key, job);
  }

  /** A frame for a job not adopted yet: kept for when it is. */
  keepEarly(key: string, frame: RemoteJobFrame): void {
    const early = this.#early.get(key) ?? [];
    if (early.length < MAX_EARLY_FRAMES) early.push(frame);
    this.#early.set(key, early);
  }

  /** The frames kept for a job adopted now. */
  takeEarly(key: string): RemoteJobFrame[] {
    const early = this.#early.get(key) ?? [];
    this.#early.delete(key);
    return early;
  }

  /** Forgets the kept frames of jobs no longer expected. */
  sweep(expected: (key: string) => boolean): void {
    for (const key of this.#early.keys()) if (!expected(key)) this.#early.delete(key);
  }

  /** Applies one reported frame to its job; the job leaves with its outcome. */
  apply(key: string, job: Pending, frame: RemoteJobFrame): void {
    switch (frame.kind) {
      case 'started':
        job.onStarted(frame.runnerId, frame.attempt);
        break;
      case 'event':
        job.onEvent(frame.event);
        break;
      case 'requeued':
        job.onRequeued(frame.runnerId);
        break;
      case 'outcome':
        this.#jobs.delete(key);
        job.resolve(frame.outcome);
        break;
    }
  }
}
