/**
 * One supervised Service: its process, restart policy with exponential backoff, and health
 * checks. Every start or stop begins a new generation; callbacks of an older generation (the exit
 * of a process being stopped, a late health result) are ignored.
 */
import { formatDuration, parseDuration, type ServiceSpec } from '@trueup/api';
import { backoffDelay } from './backoff.ts';
import { checkTimings, runHealthCheck, type ExecContext } from './health-check.ts';
import { stopGroup, watchExit, type Launched, type ProcessRef } from './service-process.ts';

export type ServicePhase = 'starting' | 'running' | 'backoff' | 'stopped' | 'failed';

/** What is kept under the state directory, so a new agent can adopt the process. */
export interface ServiceRecord {
  name: string;
  spec: ServiceSpec;
  specHash: string;
  pid?: number;
  startTime?: number;
  startedAt?: string;
  restarts: number;
  lastExitCode?: number;
  phase: ServicePhase;
  message?: string;
  /** The launch mark of the process (see process-marker.ts); written before the spawn. */
  launch?: string;
}

/** What a service needs from its supervisor. */
export interface ServiceHost {
  /** A new launch id, to mark the next process with. */
  newLaunch(): string;
  launch(name: string, spec: ServiceSpec, launch: string): Promise<Launched>;
  execContext(spec: ServiceSpec): Promise<ExecContext>;
  persist(record: ServiceRecord): Promise<void>;
  /** An exit the agent did not ask for. */
  exited(name: string, detail: string): void;
}

/** A run this long resets the backoff: the next crash restarts after the first delay again. */
const RESET_BACKOFF_AFTER_MS = 10_000;
/** Until the first healthy check, checks run at least this often. */
const STARTING_CHECK_MS = 250;

export class SupervisedService {
  readonly name: string;
  spec: ServiceSpec;
  specHash: string;
  restarts = 0;
  readonly #host: ServiceHost;
  #generation = 0;
  #phase: Exclude<ServicePhase, 'starting'> = 'stopped';
  #proc: ProcessRef | undefined;
  /** The group of a leader that exited, until the rest of it is stopped. */
  #group: ProcessRef | undefined;
  #launch: string | undefined;
  #startedAt: number | undefined;
  #lastExitCode: number | undefined;
  #message: string | undefined;
  #healthy: boolean | undefined;
  #checkedAt: string | undefined;
  #everHealthy = false;
  #failures = 0;
  #backoffTimer: NodeJS.Timeout | undefined;
  #healthTimer: NodeJS.Timeout | undefined;
  #cancelExit: (() => void) | undefined;
  #queue: Promise<void> = Promise.resolve();

  constructor(name: string, spec: ServiceSpec, specHash: string, host: ServiceHost) {
    this.name = name;
    this.spec = spec;
    this.specHash = specHash;
    this.#host = host;
  }

  get running(): boolean {
    return this.#proc !== undefined;
  }

  get inBackoff(): boolean {
    return this.#backoffTimer !== undefined;
  }

  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  /** Replaces the spec; a different spec starts counting restarts and backoff afresh. */
  setSpec(spec: ServiceSpec, specHash: string): void {
    if (specHash !== this.specHash) {
      this.restarts = 0;
      this.#failures = 0;
    }
    this.spec = spec;
    this.specHash = specHash;
  }

  /**
   * Starts the process; throws (HOST_SERVICE_START_FAILED…) when it cannot be spawned. With
   * `onlyIn`, does nothing when another start or stop happened since that generation.
   */
  start(onlyIn?: number): Promise<void> {
    return this.#serial(async () => {
      if (onlyIn !== undefined && onlyIn !== this.#generation) return;
      const generation = this.#begin();
      const launch = this.#host.newLaunch();
      this.#launch = launch;
      // Recorded before the spawn: an agent killed before the pid is written finds the process by its mark.
      const { pid: _pid, startTime: _startTime, startedAt: _startedAt, ...record } = this.record();
      await this.#host.persist({ ...record, phase: 'starting' });
      const launched = await this.#host.launch(this.name, this.spec, launch);
      if (generation === this.#generation) {
        this.#running(generation, launched.ref, Date.now(), launched.exited);
      } else {
        // Closed meanwhile: the record keeps the pid, so the next agent adopts the process.
        this.#proc = launched.ref;
        this.#startedAt = Date.now();
      }
      await this.#persist();
    });
  }

  /** Takes over a process a previous agent started: same pid, not restarted. */
  adopt(record: ServiceRecord, ref: ProcessRef): void {
    const generation = this.#begin();
    this.restarts = record.restarts;
    this.#lastExitCode = record.lastExitCode;
    this.#launch = record.launch;
    const startedAt = record.startedAt === undefined ? Number.NaN : Date.parse(record.startedAt);
    this.#running(generation, ref, Number.isNaN(startedAt) ? Date.now() : startedAt, undefined);
    // Found by its mark (the agent was killed before recording it): record it now.
    if (record.pid !== ref.pid || record.phase === 'starting') void this.#persist();
  }

  /**
   * A recorded service whose process ended while no agent watched it. Under `always` it starts
   * again at once, as a supervisor does at boot: no crash loop was seen, so no backoff applies.
   * Otherwise its exit is handled as any other (the exit code is unknown). A record still
   * `starting` is a start the previous agent did not finish: it starts now.
   */
  async resume(record: ServiceRecord): Promise<void> {
    this.restarts = record.restarts;
    this.#lastExitCode = record.lastExitCode;
    this.#message = record.message;
    this.#launch = record.launch;
    if (record.phase === 'starting') {
      await this.start().catch((error: unknown) => {
        this.#exited(this.#generation, undefined, `could not start: ${error instanceof Error ? error.message : String(error)}`);
      });
      return;
    }
    if (record.phase === 'stopped' || record.phase === 'failed') {
      this.#phase = record.phase;
      return;
    }
    if (this.spec.restart !== 'always') {
      this.#exited(this.#begin(), undefined, 'exited while the agent was not running');
      return;
    }
    await this.#restart(this.#begin());
  }

  /**
   * Stops gracefully: stopSignal to the group (or what is left of it), stopTimeout, then SIGKILL.
   * `restarting`: a start follows, so an agent killed in between starts it (else it stays stopped).
   */
  stop(restarting = false): Promise<void> {
    return this.#serial(async () => {
      this.#begin();
      const proc = this.#proc;
      this.#proc = undefined;
      this.#phase = 'stopped';
      this.#message = 'stopped';
      // Recorded first: after an agent killed mid-stop, the next one leaves a removed Service
      // stopped and starts a restarting one (adopting the process by its mark while that runs).
      await this.#host.persist({ ...this.record(), phase: restarting ? 'starting' : 'stopped' }).catch(() => undefined);
      if (proc !== undefined) await stopGroup(proc, this.spec.stopSignal, stopTimeoutMs(this.spec));
      const group = this.#group;
      if (group !== undefined) await stopGroup(group, this.spec.stopSignal, stopTimeoutMs(this.spec));
      this.#group = undefined;
    });
  }

  /**
   * Stops supervising (timers, exit watch) and leaves the process running; resolves once a start
   * or stop under way has ended, so its record is complete for the next agent.
   */
  close(): Promise<void> {
    this.#begin();
    return this.#queue;
  }

  status(now = Date.now()): Record<string, unknown> {
    const running = this.#proc !== undefined;
    const check = this.spec.healthCheck;
    const inStartPeriod = running && check !== undefined && now - (this.#startedAt ?? now) < checkTimings(check).startPeriodMs;
    const phase: ServicePhase = running ? (check !== undefined && !this.#everHealthy && inStartPeriod ? 'starting' : 'running') : this.#phase;
    const status: Record<string, unknown> = { running, phase, restarts: this.restarts };
    if (this.#proc !== undefined) status.pid = this.#proc.pid;
    if (running && this.#startedAt !== undefined) status.startedAt = new Date(this.#startedAt).toISOString();
    if (this.#lastExitCode !== undefined) status.lastExitCode = this.#lastExitCode;
    if (running && check !== undefined) {
      status.healthy = this.#healthy;
      status.inStartPeriod = inStartPeriod;
      if (this.#checkedAt !== undefined) status.checkedAt = this.#checkedAt;
    }
    if (this.#message !== undefined) status.message = this.#message;
    return status;
  }

  record(): ServiceRecord {
    const record: ServiceRecord = { name: this.name, spec: this.spec, specHash: this.specHash, restarts: this.restarts, phase: this.status().phase as ServicePhase };
    if (this.#proc !== undefined) Object.assign(record, { pid: this.#proc.pid, startTime: this.#proc.startTime });
    if (this.#proc !== undefined && this.#startedAt !== undefined) record.startedAt = new Date(this.#startedAt).toISOString();
    if (this.#lastExitCode !== undefined) record.lastExitCode = this.#lastExitCode;
    if (this.#message !== undefined) record.message = this.#message;
    if (this.#launch !== undefined) record.launch = this.#launch;
    return record;
  }

  /** A new generation: cancels timers and the exit watch of the previous one. */
  #begin(): number {
    clearTimeout(this.#backoffTimer);
    clearTimeout(this.#healthTimer);
    this.#backoffTimer = undefined;
    this.#healthTimer = undefined;
    this.#cancelExit?.();
    this.#cancelExit = undefined;
    return ++this.#generation;
  }

  #running(generation: number, ref: ProcessRef, startedAt: number, exited: Promise<number> | undefined): void {
    this.#proc = ref;
    this.#startedAt = startedAt;
    this.#phase = 'running';
    this.#message = undefined;
    this.#healthy = undefined;
    this.#checkedAt = undefined;
    this.#everHealthy = false;
    this.#cancelExit = watchExit(ref, exited, (code) => this.#exited(generation, code, undefined));
    this.#scheduleHealth(generation, 0);
  }

  #exited(generation: number, code: number | undefined, why: string | undefined): void {
    if (generation !== this.#generation) return;
    const ranMs = this.#startedAt === undefined ? 0 : Date.now() - this.#startedAt;
    if (ranMs >= RESET_BACKOFF_AFTER_MS) this.#failures = 0;
    if (this.#proc !== undefined) {
      // What the leader left in its group (a child it forked) goes before any restart.
      this.#group = this.#proc;
      void this.#serial(() => this.#reap());
    }
    this.#proc = undefined;
    this.#lastExitCode = code;
    clearTimeout(this.#healthTimer);
    const detail = `Service ${this.name} ${why ?? `exited with code ${code ?? 'unknown'}`}`;
    const restart = this.spec.restart === 'always' || (this.spec.restart === 'on-failure' && code !== 0);
    if (restart) {
      const delay = backoffDelay(this.spec.backoff, ++this.#failures);
      this.#phase = 'backoff';
      this.#message = `${detail}; restarting in ${formatDuration(delay)}`;
      this.#backoffTimer = setTimeout(() => void this.#restart(generation), delay).unref();
    } else {
      this.#phase = code === 0 ? 'stopped' : 'failed';
      this.#message = detail;
    }
    void this.#persist();
    this.#host.exited(this.name, detail);
  }

  async #restart(generation: number): Promise<void> {
    if (generation !== this.#generation) return;
    this.restarts += 1;
    try {
      await this.start(generation);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.#exited(this.#generation, undefined, `could not restart: ${reason}`);
    }
  }

  /** Stops the rest of the group of a leader that exited; kept for stop() when that fails. */
  async #reap(): Promise<void> {
    const group = this.#group;
    if (group === undefined) return;
    try {
      await stopGroup(group, this.spec.stopSignal, stopTimeoutMs(this.spec));
      if (this.#group === group) this.#group = undefined;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.#message = this.#message === undefined ? reason : `${this.#message}; ${reason}`;
    }
  }

  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(operation);
    this.#queue = result.then(() => undefined, () => undefined);
    return result;
  }

  #scheduleHealth(generation: number, delay: number): void {
    const check = this.spec.healthCheck;
    if (check === undefined) return;
    this.#healthTimer = setTimeout(() => {
      void (async () => {
        const result = await this.#host.execContext(this.spec).then(
          (exec) => runHealthCheck(check, exec),
          (error: unknown) => ({ healthy: false, message: error instanceof Error ? error.message : String(error) }),
        );
        if (generation !== this.#generation || this.#proc === undefined) return;
        this.#healthy = result.healthy;
        this.#checkedAt = new Date().toISOString();
        if (result.healthy) this.#everHealthy = true;
        this.#message = result.message;
        const { intervalMs } = checkTimings(check);
        this.#scheduleHealth(generation, this.#everHealthy ? intervalMs : Math.min(intervalMs, STARTING_CHECK_MS));
      })();
    }, delay).unref();
  }

  async #persist(): Promise<void> {
    await this.#host.persist(this.record()).catch(() => undefined);
  }
}

export function stopTimeoutMs(spec: ServiceSpec): number {
  return parseDuration(spec.stopTimeout) ?? 10_000;
}
