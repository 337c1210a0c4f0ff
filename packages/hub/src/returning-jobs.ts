/**
 * Jobs a previous hub process left on runners, until their run resumes here: a runner that
 * comes back reporting one is not told to stop it, and what it reports meanwhile (events, the
 * result) is kept to be replayed when the run adopts or queues the job. Forgotten after the lease.
 */
import type { JobEvent, RunnerFrame, RunnerJobResult } from '@trueup/api';

export interface EarlyReport {
  runnerId: string;
  events: JobEvent[];
  result?: RunnerJobResult;
}

/** At most this many events are kept per job before its run resumes. */
const MAX_EARLY_EVENTS = 10_000;

export class ReturningJobs {
  /** Until when each key is expected back. */
  readonly #expected = new Map<string, number>();
  readonly #early = new Map<string, EarlyReport>();

  expect(key: string, until: number): void {
    this.#expected.set(key, until);
  }

  isExpected(key: string, now: number): boolean {
    const until = this.#expected.get(key);
    return until !== undefined && until > now;
  }

  /** A frame about an expected job, from the runner that runs it. */
  keep(runnerId: string, frame: Extract<RunnerFrame, { job: string }>): void {
    const early = this.#early.get(frame.job) ?? { runnerId, events: [] };
    this.#early.set(frame.job, early);
    if (frame.type === 'event' && early.events.length < MAX_EARLY_EVENTS) early.events.push(frame.event as unknown as JobEvent);
    if (frame.type === 'result') early.result = frame.result;
  }

  /** The job is here again: no longer expected; what its runner reported so far, if anything. */
  take(key: string): EarlyReport | undefined {
    this.#expected.delete(key);
    const early = this.#early.get(key);
    this.#early.delete(key);
    return early;
  }

  /** The job is here again: what its runner reported so far is replayed to it (started, then each event). */
  replay(job: { key: string; attempt: number; onStarted(runnerId: string, attempt: number): void; onEvent(event: JobEvent): void }): EarlyReport | undefined {
    const early = this.take(job.key);
    if (early === undefined) return undefined;
    job.onStarted(early.runnerId, Math.max(1, job.attempt));
    for (const event of early.events) job.onEvent(event);
    return early;
  }

  /** Forgets the jobs whose lease ran out. */
  sweep(now: number): void {
    for (const [key, until] of this.#expected) {
      if (until > now) continue;
      this.#expected.delete(key);
      this.#early.delete(key);
    }
  }
}
