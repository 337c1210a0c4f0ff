/**
 * The runners linked to this hub and the jobs waiting for them. A job is offered the moment it
 * is queued (or a runner frees up) to a linked runner with the labels and room for it — no
 * polling. Every frame from a runner renews the leases of its jobs; a runner silent for the
 * lease time, or gone and not back within it, loses them: a build job is queued again, a job
 * that targets an environment ends failed as "runner lost" and is never run again by itself.
 */
import { LINK_HEARTBEAT_MS, LinkCloseCodes, parseFrame, RUNNER_LINK_PROTOCOL_VERSION, RunnerFrameSchema, type HubRunnerFrame, type JobEvent, type RunnerFrame, type RunnerJobResult, type RunnerOffer } from '@trueup/api';
import { rawText } from '@trueup/link';
import { labelsMatch } from '@trueup/workflow';
import type WebSocket from 'ws';

/** A runner silent this long (or disconnected and not back) has lost its jobs. */
export const RUNNER_LEASE_MS = 45_000;

export type JobOutcome = { kind: 'result'; result: RunnerJobResult; runnerId: string } | { kind: 'lost'; runnerId: string } | { kind: 'cancelled'; reason: string };

export interface JobRequest {
  key: string;
  labels: string[];
  /** Set for a job that targets an environment: never re-queued after its runner is lost. */
  environment: string | undefined;
  offer: RunnerOffer;
  onEvent(event: JobEvent): void;
  /** Offered and accepted by a runner. */
  onStarted(runnerId: string, attempt: number): void;
  /** The runner was lost and the job waits again. */
  onRequeued(runnerId: string): void;
}

interface Pending extends JobRequest {
  /** Published to the queue shared by replicas (a runner of another replica may take it). */
  published: boolean;
  /** Never published: a job this replica runs for another replica's run. */
  localOnly: boolean;
  attempt: number;
  queuedAt: number;
  runnerId: string | undefined;
  accepted: boolean;
  declinedBy: Set<string>;
  cancelled: string | undefined;
  resolve(outcome: JobOutcome): void;
}

interface RunnerSession {
  id: string;
  name: string;
  labels: string[];
  capacity: number;
  socket: WebSocket | undefined;
  jobs: Set<string>;
  lastHeard: number;
  lastSent: number;
}

/** The queue shared by hub replicas (PostgreSQL); absent on a single hub. */
export interface SharedQueuePort {
  /** Offers a job no runner of this replica can take now to the other replicas. */
  publish(job: { key: string; labels: string[]; environment: string | undefined; offer: RunnerOffer; queuedAt: number }): void;
  /** Takes a published job for this replica's runner; false when another replica took it. */
  claim(key: string): Promise<boolean>;
  /** The job ended or left the queue here: its shared row goes. */
  forget(key: string): void;
  /** Asks the replica that runs the job to cancel it. */
  cancelRemote(key: string, reason: string): void;
  /** A runner here has room: look for jobs other replicas published. */
  pull(): void;
}

/** What the replica that runs a job for another replica's run reports back, in order. */
export type RemoteJobFrame =
  | { kind: 'started'; runnerId: string; attempt: number }
  | { kind: 'event'; event: JobEvent }
  | { kind: 'requeued'; runnerId: string }
  | { kind: 'outcome'; outcome: JobOutcome };

export interface RunnerHubOptions {
  now?: () => number;
  leaseMs?: number;
  log?: (message: string) => void;
  onSeen?: (runnerId: string, labels: string[]) => void;
}

export class RunnerHub {
  readonly #now: () => number;
  readonly #leaseMs: number;
  readonly #log: (message: string) => void;
  readonly #onSeen: (runnerId: string, labels: string[]) => void;
  readonly #runners = new Map<string, RunnerSession>();
  /** Waiting for a runner, oldest first. */
  readonly #queue: Pending[] = [];
  /** Offered to or running on a runner, by key. */
  readonly #assigned = new Map<string, Pending>();
  /** Jobs of runs here that a runner of another replica runs, by key. */
  readonly #remote = new Map<string, Pending>();
  #shared: SharedQueuePort | undefined;
  readonly #ticker: NodeJS.Timeout;

  constructor(options: RunnerHubOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#leaseMs = options.leaseMs ?? RUNNER_LEASE_MS;
    this.#log = options.log ?? (() => undefined);
    this.#onSeen = options.onSeen ?? (() => undefined);
    this.#ticker = setInterval(() => this.#tick(), Math.min(1000, this.#leaseMs / 4));
    this.#ticker.unref();
  }

  /** Linked runners, for the API. */
  linked(): { id: string; name: string; labels: string[]; capacity: number; running: string[] }[] {
    return [...this.#runners.values()].filter((r) => r.socket !== undefined).map((r) => ({ id: r.id, name: r.name, labels: r.labels, capacity: r.capacity, running: [...r.jobs] }));
  }

  /** How often both sides send at least a heartbeat: a third of the lease, at most LINK_HEARTBEAT_MS. */
  get heartbeatMs(): number {
    return Math.min(LINK_HEARTBEAT_MS, Math.floor(this.#leaseMs / 3));
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Joins the queue shared by replicas. */
  share(port: SharedQueuePort): void {
    this.#shared = port;
  }

  /**
   * Queues a job and offers it at once if a runner can take it; resolves when it ends. Not
   * taken here at once, it is also published to the other replicas (`localOnly`: never).
   */
  run(request: JobRequest, options: { localOnly?: boolean } = {}): Promise<JobOutcome> {
    return new Promise((resolve) => {
      const job: Pending = { ...request, published: false, localOnly: options.localOnly === true, attempt: 0, queuedAt: this.#now(), runnerId: undefined, accepted: false, declinedBy: new Set(), cancelled: undefined, resolve: () => undefined };
      job.resolve = (outcome) => {
        if (job.published) this.#shared?.forget(job.key);
        resolve(outcome);
      };
      this.#queue.push(job);
      this.#dispatch();
      this.#publishWaiting();
    });
  }

  /** Whether a linked runner here has the labels and room for a job now. */
  canTake(labels: string[]): boolean {
    return [...this.#runners.values()].some((runner) => runner.socket !== undefined && runner.jobs.size < runner.capacity && labelsMatch(labels, runner.labels));
  }

  /** What the replica running a job of a run here reports. */
  remoteFrame(key: string, frame: RemoteJobFrame): void {
    let job = this.#remote.get(key);
    if (job === undefined) {
      // Taken by another replica while it waited here: it leaves this replica's queue.
      const at = this.#queue.findIndex((j) => j.key === key);
      if (at === -1) return;
      [job] = this.#queue.splice(at, 1);
      if (job === undefined) return;
      this.#remote.set(key, job);
      if (job.cancelled !== undefined) this.#shared?.cancelRemote(key, job.cancelled);
    }
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
        this.#remote.delete(key);
        job.resolve(frame.outcome);
        break;
    }
  }

  #publishWaiting(): void {
    if (this.#shared === undefined) return;
    for (const job of this.#queue) {
      if (job.published || job.localOnly) continue;
      job.published = true;
      this.#shared.publish({ key: job.key, labels: job.labels, environment: job.environment, offer: job.offer, queuedAt: job.queuedAt });
    }
  }

  /** Cancels a job: taken from the queue, or the runner is told to stop it (it reports `cancelled`). */
  cancel(key: string, reason: string): void {
    const remote = this.#remote.get(key);
    if (remote !== undefined) {
      remote.cancelled = reason;
      this.#shared?.cancelRemote(key, reason);
      return;
    }
    const at = this.#queue.findIndex((job) => job.key === key);
    if (at !== -1) {
      const [job] = this.#queue.splice(at, 1);
      job?.resolve({ kind: 'cancelled', reason });
      return;
    }
    const job = this.#assigned.get(key);
    if (job === undefined) return;
    job.cancelled = reason;
    const runner = job.runnerId === undefined ? undefined : this.#runners.get(job.runnerId);
    this.#send(runner, { type: 'cancel', job: key, reason });
  }

  accept(socket: WebSocket, runner: { id: string; name: string }): void {
    const previous = this.#runners.get(runner.id);
    if (previous?.socket !== undefined) previous.socket.close(LinkCloseCodes.replaced, 'a newer link from this runner replaced this one');
    let session: RunnerSession | undefined;
    const close = (code: number, reason: string): void => socket.close(code, reason.slice(0, 120));
    socket.on('message', (data, isBinary) => {
      if (isBinary) return close(LinkCloseCodes.protocolError, 'binary frames are not spoken');
      const parsed = parseFrame(RunnerFrameSchema, rawText(data));
      if (!parsed.ok) return close(LinkCloseCodes.protocolError, parsed.reason);
      const frame = parsed.frame;
      if (session === undefined) {
        if (frame.type !== 'hello') return close(LinkCloseCodes.protocolError, `expected hello, got ${frame.type}`);
        if (frame.protocol !== RUNNER_LINK_PROTOCOL_VERSION) return close(LinkCloseCodes.unsupportedVersion, `runner speaks protocol ${frame.protocol}, hub ${RUNNER_LINK_PROTOCOL_VERSION}`);
        session = this.#hello(socket, runner, frame);
        return;
      }
      session.lastHeard = this.#now();
      this.#onFrame(session, frame);
    });
    socket.on('error', () => close(LinkCloseCodes.protocolError, 'socket error'));
    socket.on('close', () => {
      if (session?.socket !== socket) return;
      // Its jobs stay leased until the lease runs out: a runner back in time keeps them.
      session.socket = undefined;
      this.#log(`runner ${session.name}: link closed, ${session.jobs.size} job(s) held until the lease runs out`);
    });
  }

  #hello(socket: WebSocket, runner: { id: string; name: string }, frame: Extract<RunnerFrame, { type: 'hello' }>): RunnerSession {
    const session: RunnerSession = this.#runners.get(runner.id) ?? { id: runner.id, name: runner.name, labels: [], capacity: 1, socket: undefined, jobs: new Set(), lastHeard: 0, lastSent: 0 };
    Object.assign(session, { labels: frame.labels, capacity: frame.capacity, socket, lastHeard: this.#now() });
    this.#runners.set(runner.id, session);
    this.#send(session, { type: 'welcome', protocol: RUNNER_LINK_PROTOCOL_VERSION, runnerId: runner.id, name: runner.name, heartbeatMs: this.heartbeatMs });
    // Jobs the runner still runs: kept if still its own, else stopped there.
    const still = new Set(frame.running);
    for (const key of still) if (!session.jobs.has(key)) this.#send(session, { type: 'cancel', job: key, reason: 'the hub no longer holds this job for this runner' });
    for (const key of [...session.jobs]) if (!still.has(key) && this.#assigned.get(key)?.accepted === true) this.#lose(session, key);
    this.#onSeen(runner.id, frame.labels);
    this.#dispatch();
    return session;
  }

  #onFrame(session: RunnerSession, frame: RunnerFrame): void {
    if (frame.type === 'hello') return session.socket?.close(LinkCloseCodes.protocolError, 'hello received twice');
    if (frame.type === 'heartbeat') return;
    const job = this.#assigned.get(frame.job);
    if (job === undefined || job.runnerId !== session.id) {
      if (frame.type !== 'declined' && frame.type !== 'result') this.#send(session, { type: 'cancel', job: frame.job, reason: 'the hub no longer holds this job for this runner' });
      return;
    }
    switch (frame.type) {
      case 'accepted':
        job.accepted = true;
        job.onStarted(session.id, job.attempt);
        if (job.cancelled !== undefined) this.#send(session, { type: 'cancel', job: job.key, reason: job.cancelled });
        break;
      case 'declined':
        this.#release(session, job);
        job.declinedBy.add(session.id);
        job.runnerId = undefined;
        this.#queue.unshift(job);
        this.#dispatch();
        break;
      case 'event':
        job.onEvent(frame.event as unknown as JobEvent);
        break;
      case 'result':
        this.#release(session, job);
        job.resolve({ kind: 'result', result: frame.result, runnerId: session.id });
        this.#dispatch();
        break;
    }
  }

  #release(session: RunnerSession, job: Pending): void {
    session.jobs.delete(job.key);
    this.#assigned.delete(job.key);
  }

  /** Offers waiting jobs, oldest first, each to the least busy runner that can take it. */
  #dispatch(): void {
    for (let i = 0; i < this.#queue.length;) {
      const job = this.#queue[i] as Pending;
      const runner = this.#pick(job);
      if (runner === undefined) {
        i += 1;
        continue;
      }
      this.#queue.splice(i, 1);
      runner.jobs.add(job.key);
      if (!job.published || this.#shared === undefined) {
        this.#offer(runner, job);
        continue;
      }
      // Published: another replica may have taken it meanwhile; the shared row decides.
      void this.#shared.claim(job.key).then((mine) => {
        if (mine) return this.#offer(runner, job);
        runner.jobs.delete(job.key);
        if (job.cancelled === undefined && !this.#remote.has(job.key)) this.#remote.set(job.key, job);
        this.#dispatch();
      }, () => {
        runner.jobs.delete(job.key);
        this.#queue.unshift(job);
      });
    }
    if (this.#shared !== undefined && [...this.#runners.values()].some((r) => r.socket !== undefined && r.jobs.size < r.capacity)) this.#shared.pull();
  }

  #offer(runner: RunnerSession, job: Pending): void {
    job.attempt += 1;
    job.runnerId = runner.id;
    job.accepted = false;
    this.#assigned.set(job.key, job);
    this.#send(runner, { type: 'offer', offer: job.offer });
  }

  #pick(job: Pending): RunnerSession | undefined {
    let best: RunnerSession | undefined;
    for (const runner of this.#runners.values()) {
      if (runner.socket === undefined || runner.jobs.size >= runner.capacity || job.declinedBy.has(runner.id)) continue;
      if (!labelsMatch(job.labels, runner.labels)) continue;
      if (best === undefined || runner.jobs.size / runner.capacity < best.jobs.size / best.capacity) best = runner;
    }
    return best;
  }

  #tick(): void {
    const now = this.#now();
    for (const runner of this.#runners.values()) {
      if (now - runner.lastHeard < this.#leaseMs) continue;
      if (runner.socket !== undefined) {
        runner.socket.close(LinkCloseCodes.silent, 'the runner sent nothing, not even a heartbeat');
        runner.socket.terminate();
        runner.socket = undefined;
      }
      for (const key of [...runner.jobs]) this.#lose(runner, key);
    }
    for (const runner of this.#runners.values()) {
      if (runner.socket !== undefined && now - runner.lastSent >= this.heartbeatMs) this.#send(runner, { type: 'heartbeat', at: now });
    }
  }

  /** The runner's lease on this job ran out. */
  #lose(runner: RunnerSession, key: string): void {
    const job = this.#assigned.get(key);
    runner.jobs.delete(key);
    if (job === undefined) return;
    this.#assigned.delete(key);
    if (job.cancelled !== undefined) return job.resolve({ kind: 'cancelled', reason: job.cancelled });
    // Offered is enough: the runner may have started it before its answer was lost.
    if (job.environment !== undefined) return job.resolve({ kind: 'lost', runnerId: runner.id });
    this.#log(`runner ${runner.name} lost: job ${key} queued again`);
    job.onRequeued(runner.id);
    job.runnerId = undefined;
    this.#queue.unshift(job);
    this.#dispatch();
  }

  #send(runner: RunnerSession | undefined, frame: HubRunnerFrame): void {
    const socket = runner?.socket;
    if (runner === undefined || socket?.readyState !== 1) return;
    runner.lastSent = this.#now();
    socket.send(JSON.stringify(frame));
  }

  close(): void {
    clearInterval(this.#ticker);
    for (const runner of this.#runners.values()) runner.socket?.close(1001, 'hub stopping');
  }
}
