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
/**
 * A held pass runs when the gate's owner wakes it (a dependency's status moved); failing that, it
 * asks again after this long, as Flux requeues a dependent (`--requeue-dependency`, 30 s).
 */
const GATE_RECHECK_MS = 30_000;

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
  readonly #recheckChecks: boolean;
  #gate: (() => ApplicationStatus | undefined) | undefined;
  /** The trigger of a pass the gate holds, until it is woken. */
  #held: PassTrigger | undefined;

  /**
   * `recheckHealth`: observe again while Progressing (the provider does not push status changes);
   * `recheckChecks`: observe again while not Healthy (health checks on objects it does not manage).
   */
  constructor(runtime: AppRuntime, loaded: LoadedApplication, options: { recheckHealth: boolean; recheckChecks?: boolean }) {
    this.#recheckHealth = options.recheckHealth;
    this.#recheckChecks = options.recheckChecks === true;
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
   * others, dependsOn): that status answers refreshes, and the gate is asked again when `wake` is
   * called (or after 30 s).
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

  /** Whether a pass runs now. */
  get passing(): boolean {
    return this.#running;
  }

  /** Asks the gate of a held pass again now. */
  wake(): void {
    const held = this.#held;
    if (held === undefined || this.#running) return;
    this.#held = undefined;
    this.#schedule(held, 0);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#recheckTimer);
  }

  #recheckWhileProgressing(status: ApplicationStatus | undefined, fresh: boolean): void {
    clearTimeout(this.#recheckTimer);
    if (fresh) this.#recheckDelayMs = RECHECK_FIRST_MS;
    const health = status?.health.status;
    const again = (this.#recheckHealth && health === 'Progressing') || (this.#recheckChecks && health !== undefined && health !== 'Healthy');
    if (this.#stopped || !again) return;
    const delay = this.#recheckDelayMs;
    this.#recheckDelayMs = Math.min(RECHECK_MAX_MS, delay * 2);
    this.#recheckTimer = setTimeout(() => {
      // A failed look (the cluster unreachable) is tried again later, as a pass would be.
      void this.#runtime.recheck().then((next) => this.#recheckWhileProgressing(next, false), () => this.#recheckWhileProgressing(this.#runtime.status, false));
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
      this.#held = this.#rerun ?? trigger;
      this.#rerun = undefined;
      this.#schedule(this.#held, GATE_RECHECK_MS);
      return;
    }
    this.#held = undefined;
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
