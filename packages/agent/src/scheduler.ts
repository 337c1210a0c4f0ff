/**
 * When each application's next pass runs: at start, every `interval` (with jitter), sooner on
 * refresh, and with exponential backoff after a failure that may pass on retry.
 */
import { parseDuration, type ApplicationStatus, type PassTrigger } from '@trueup/api';
import { backoffDelay, jitteredInterval } from '@trueup/engine';
import type { AppRuntime } from './app-runtime.ts';
import type { LoadedApplication } from './load-applications.ts';

/**
 * While an application is Progressing, it is observed again after 1 s, 2 s, 4 s … up to 30 s,
 * unless its provider reports status changes as they happen.
 */
const RECHECK_FIRST_MS = 1000;
const RECHECK_MAX_MS = 30_000;
/** How often a held pass asks its gate again. */
const GATE_CHECK_MS = 500;

export class PassScheduler {
  readonly #runtime: AppRuntime;
  readonly #intervalMs: number;
  readonly #retry: { limit: number; durationMs: number; factor: number; maxDurationMs: number };
  #timer: NodeJS.Timeout | undefined;
  #recheckTimer: NodeJS.Timeout | undefined;
  #recheckDelayMs = RECHECK_FIRST_MS;
  #attempt = 0;
  #stopped = false;
  #waiters: ((status: ApplicationStatus) => void)[] = [];
  #running = false;
  #rerun: PassTrigger | undefined;
  readonly #recheckHealth: boolean;
  #gate: (() => ApplicationStatus | undefined) | undefined;

  constructor(runtime: AppRuntime, loaded: LoadedApplication, options: { recheckHealth: boolean }) {
    this.#recheckHealth = options.recheckHealth;
    const { interval, retry } = loaded.application.spec.syncPolicy;
    this.#runtime = runtime;
    this.#intervalMs = parseDuration(interval) ?? 180_000;
    this.#retry = {
      limit: retry.limit,
      durationMs: parseDuration(retry.backoff.duration) ?? 5000,
      factor: retry.backoff.factor,
      maxDurationMs: parseDuration(retry.backoff.maxDuration) ?? 180_000,
    };
  }

  /**
   * Starts the passes. A pass is held while `gate` returns a status (the application waits for
   * others, dependsOn): that status answers refreshes, and the gate is asked again every 500 ms.
   */
  start(gate?: () => ApplicationStatus | undefined): void {
    this.#gate = gate;
    this.#schedule('start', 0);
  }

  /** Runs a pass as soon as possible; resolves with the status after it. */
  refresh(trigger: PassTrigger = 'refresh'): Promise<ApplicationStatus> {
    const done = new Promise<ApplicationStatus>((resolve) => this.#waiters.push(resolve));
    if (this.#running) this.#rerun = trigger;
    else this.#schedule(trigger, 0);
    return done;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#recheckTimer);
  }

  #recheckWhileProgressing(status: ApplicationStatus | undefined, fresh: boolean): void {
    clearTimeout(this.#recheckTimer);
    if (fresh) this.#recheckDelayMs = RECHECK_FIRST_MS;
    if (this.#stopped || !this.#recheckHealth || status?.health.status !== 'Progressing') return;
    const delay = this.#recheckDelayMs;
    this.#recheckDelayMs = Math.min(RECHECK_MAX_MS, delay * 2);
    this.#recheckTimer = setTimeout(() => {
      void this.#runtime.recheck().then((next) => this.#recheckWhileProgressing(next, false));
    }, delay);
  }

  #schedule(trigger: PassTrigger, delayMs: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#run(trigger), delayMs);
  }

  async #run(trigger: PassTrigger): Promise<void> {
    const held = this.#gate?.();
    if (held !== undefined) {
      for (const resolve of this.#waiters.splice(0)) resolve(held);
      this.#schedule(this.#rerun ?? trigger, GATE_CHECK_MS);
      this.#rerun = undefined;
      return;
    }
    this.#running = true;
    const waiters = this.#waiters.splice(0);
    let status: ApplicationStatus;
    try {
      status = await this.#runtime.pass(trigger);
    } finally {
      this.#running = false;
    }
    for (const resolve of waiters) resolve(status);
    this.#recheckWhileProgressing(status, true);
    if (this.#rerun !== undefined) {
      const next = this.#rerun;
      this.#rerun = undefined;
      this.#schedule(next, 0);
      return;
    }
    this.#schedule('interval', this.#nextDelay(status));
  }

  #nextDelay(status: ApplicationStatus): number {
    if (!this.#shouldRetry(status)) {
      this.#attempt = 0;
      return jitteredInterval(this.#intervalMs, Math.random());
    }
    this.#attempt++;
    return Math.min(backoffDelay(this.#retry, this.#attempt, Math.random()), this.#intervalMs);
  }

  #shouldRetry(status: ApplicationStatus): boolean {
    const retryable = status.error !== undefined && status.conditions.some((c) => c.type === 'Stalled' && c.status === 'False');
    return retryable && (this.#retry.limit < 0 || this.#attempt < this.#retry.limit);
  }
}
