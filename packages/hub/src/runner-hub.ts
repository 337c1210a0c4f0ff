/**
 * The runners linked to this hub and the jobs waiting for them. A job is offered the moment it
 * is queued (or a runner frees up) to a linked runner with the labels and room for it — no
 * polling. Every frame from a runner renews the leases of its jobs; a runner silent for the
 * lease time, or gone and not back within it, loses them: a build job is queued again, a job
 * that targets an environment ends failed as "runner lost" and is never run again by itself.
 * After a hub restart (or a replica's takeover) a resumed run adopts its jobs back: a runner
 * that returns reporting a job keeps it, and its events and result continue here.
 */
import { LINK_HEARTBEAT_MS, LinkCloseCodes, RUNNER_LINK_PROTOCOL_VERSION, type HubRunnerFrame, type JobEvent, type RunnerFrame } from '@trueup/api';
import type WebSocket from 'ws';
import { RemoteJobs } from './remote-jobs.ts';
import { ReturningJobs } from './returning-jobs.ts';
import { hasRoomFor, newRunnerSession, pickRunner } from './runner-pick.ts';
import { serveRunnerSocket } from './runner-socket.ts';
import type { JobOutcome, JobRequest, Pending, RemoteJobFrame, RunnerHubOptions, RunnerSession, SharedQueuePort } from './runner-hub-types.ts';

export type { JobOutcome, JobRequest, RemoteJobFrame, RunnerHubOptions, SharedQueuePort } from './runner-hub-types.ts';

/** A runner silent this long (or disconnected and not back) has lost its jobs. */
export const RUNNER_LEASE_MS = 45_000;

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
  readonly #remote = new RemoteJobs();
  /** Jobs a previous hub process left on runners, until their run resumes (or the lease ends). */
  readonly #returning = new ReturningJobs();
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

  /** How long a runner may be silent or gone before it loses its jobs. */
  get leaseMs(): number {
    return this.#leaseMs;
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
  run(request: JobRequest, options: { localOnly?: boolean; resumed?: boolean; holdMs?: number } = {}): Promise<JobOutcome> {
    return new Promise((resolve) => {
      const job = this.#pending(request, resolve, options.localOnly === true);
      const early = this.#returning.replay(job);
      if (early?.result !== undefined) return job.resolve({ kind: 'result', result: early.result, runnerId: early.runnerId });
      job.notBefore = options.holdMs === undefined ? 0 : this.#now() + options.holdMs;
      job.claimable = options.resumed === true;
      this.#queue.push(job);
      this.#dispatch();
      this.#publishWaiting();
    });
  }

  /**
   * Jobs a previous hub process had on runners: a runner that comes back reporting one keeps it
   * (it is not told to stop) until its run resumes here and adopts or queues it.
   */
  expect(keys: Iterable<string>): void {
    // Two leases: on PostgreSQL the run is taken over only once its replica was silent a lease.
    for (const key of keys) this.#returning.expect(key, this.#now() + 2 * this.#leaseMs);
  }

  /**
   * A job a previous hub process had offered to `runnerId`, taken back as running there: its
   * events and result continue here. A runner not back within the lease has lost it.
   */
  adopt(request: JobRequest, held: { runnerId: string; attempt: number }): Promise<JobOutcome> {
    return new Promise((resolve) => {
      const job = this.#pending(request, resolve, true);
      Object.assign(job, { attempt: held.attempt, runnerId: held.runnerId, accepted: true });
      this.#dropStale(job.key);
      const early = this.#returning.replay(job);
      if (early?.result !== undefined) {
        job.resolve({ kind: 'result', result: early.result, runnerId: early.runnerId });
        return this.#dispatch();
      }
      let session = this.#runners.get(held.runnerId);
      if (session === undefined) {
        // Not back yet: its lease runs from now.
        session = newRunnerSession(held.runnerId, held.runnerId, this.#now());
        this.#runners.set(held.runnerId, session);
      }
      session.jobs.add(job.key);
      this.#assigned.set(job.key, job);
      // Back already, and without it: the runner no longer has the job.
      if (session.socket !== undefined && !session.reported.has(job.key)) this.#lose(session, job.key);
    });
  }

  /** A job taken over here that a runner here ran for the run's old replica: that entry (and its slot) gives way. */
  #dropStale(key: string): void {
    const stale = this.#assigned.get(key);
    if (stale === undefined) return;
    this.#assigned.delete(key);
    if (stale.runnerId !== undefined) this.#runners.get(stale.runnerId)?.jobs.delete(key);
  }

  /** Where the shared queue says another replica's runner runs the job of a run taken over here: it goes on there, reporting here. */
  async claimedElsewhere(key: string, replica: string): Promise<boolean> {
    const claimer = await this.#shared?.claimedBy(key).catch(() => undefined);
    return claimer !== undefined && claimer !== replica;
  }

  /** A job of a run taken over here that a runner of another replica runs: its frames continue here. */
  adoptRemote(request: JobRequest): Promise<JobOutcome> {
    return new Promise((resolve) => {
      const job = this.#pending(request, resolve, true);
      // Its shared row is this replica's now: it goes when the job ends.
      job.published = true;
      this.#returning.take(job.key);
      this.#remote.set(job.key, job);
      for (const frame of this.#remote.takeEarly(job.key)) this.remoteFrame(job.key, frame);
    });
  }

  #pending(request: JobRequest, resolve: (outcome: JobOutcome) => void, localOnly: boolean): Pending {
    const job: Pending = { ...request, published: false, localOnly, attempt: 0, queuedAt: this.#now(), runnerId: undefined, accepted: false, notBefore: 0, declinedBy: new Set(), cancelled: undefined, claimable: false, resolve: () => undefined };
    job.resolve = (outcome) => {
      if (job.published) this.#shared?.forget(job.key);
      resolve(outcome);
    };
    return job;
  }

  /** A runner reports running a job that waits in the queue (its offer was taken before a restart): it is that runner's. */
  #claimQueued(session: RunnerSession, key: string): Pending | undefined {
    const at = this.#queue.findIndex((j) => j.key === key && j.claimable);
    if (at === -1) return undefined;
    const [job] = this.#queue.splice(at, 1) as [Pending];
    if (job.published) {
      job.published = false;
      this.#shared?.forget(key);
    }
    Object.assign(job, { attempt: job.attempt + 1, runnerId: session.id, accepted: true, claimable: false });
    session.jobs.add(key);
    this.#assigned.set(key, job);
    job.onStarted(session.id, job.attempt);
    return job;
  }

  #isExpected(key: string): boolean {
    return this.#returning.isExpected(key, this.#now());
  }

  /** Whether a linked runner here has the labels and room for a job now. */
  canTake(labels: string[]): boolean {
    return hasRoomFor(this.#runners.values(), labels);
  }

  /** What the replica running a job of a run here reports. */
  remoteFrame(key: string, frame: RemoteJobFrame): void {
    let job = this.#remote.get(key);
    // A run taken over here, not resumed yet: kept for when it adopts the job.
    if (job === undefined && this.#isExpected(key)) return this.#remote.keepEarly(key, frame);
    if (job === undefined) {
      // Taken by another replica while it waited here: it leaves this replica's queue.
      const at = this.#queue.findIndex((j) => j.key === key);
      if (at === -1) return;
      [job] = this.#queue.splice(at, 1);
      if (job === undefined) return;
      this.#remote.set(key, job);
      if (job.cancelled !== undefined) this.#shared?.cancelRemote(key, job.cancelled);
    }
    this.#remote.apply(key, job, frame);
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
    serveRunnerSocket(socket, {
      hello: (frame) => this.#hello(socket, runner, frame),
      frame: (session, frame) => {
        session.lastHeard = this.#now();
        this.#onFrame(session, frame);
      },
      closed: (session) => {
        if (session.socket !== socket) return;
        // Its jobs stay leased until the lease runs out: a runner back in time keeps them.
        session.socket = undefined;
        this.#log(`runner ${session.name}: link closed, ${session.jobs.size} job(s) held until the lease runs out`);
      },
    });
  }

  #hello(socket: WebSocket, runner: { id: string; name: string }, frame: Extract<RunnerFrame, { type: 'hello' }>): RunnerSession {
    const session: RunnerSession = this.#runners.get(runner.id) ?? newRunnerSession(runner.id, runner.name, 0);
    Object.assign(session, { name: runner.name, labels: frame.labels, capacity: frame.capacity, socket, reported: new Set(frame.running), lastHeard: this.#now() });
    this.#runners.set(runner.id, session);
    this.#send(session, { type: 'welcome', protocol: RUNNER_LINK_PROTOCOL_VERSION, runnerId: runner.id, name: runner.name, heartbeatMs: this.heartbeatMs });
    // Jobs the runner still runs: kept if still its own, else stopped there.
    const still = new Set(frame.running);
    for (const key of still) {
      if (session.jobs.has(key) || this.#claimQueued(session, key) !== undefined || this.#isExpected(key)) continue;
      this.#send(session, { type: 'cancel', job: key, reason: 'the hub no longer holds this job for this runner' });
    }
    for (const key of [...session.jobs]) if (!still.has(key) && this.#assigned.get(key)?.accepted === true) this.#lose(session, key);
    this.#onSeen(runner.id, frame.labels);
    this.#dispatch();
    return session;
  }

  #onFrame(session: RunnerSession, frame: RunnerFrame): void {
    if (frame.type === 'hello') return session.socket?.close(LinkCloseCodes.protocolError, 'hello received twice');
    if (frame.type === 'heartbeat') {
      session.reported = new Set(frame.running);
      for (const key of frame.running) if (!session.jobs.has(key)) this.#claimQueued(session, key);
      return;
    }
    // Expected back (a restart, a takeover): kept for the run to adopt, over an entry that reported to the old replica.
    if (this.#isExpected(frame.job) && frame.type !== 'declined') return this.#returning.keep(session.id, frame);
    let job = this.#assigned.get(frame.job);
    if (job === undefined && frame.type !== 'declined') job = this.#claimQueued(session, frame.job);
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
      const runner = pickRunner(this.#runners.values(), job, this.#now());
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

  #tick(): void {
    const now = this.#now();
    this.#returning.sweep(now);
    this.#remote.sweep((key) => this.#isExpected(key));
    // A held job whose time came is offered now.
    if (this.#queue.some((job) => job.notBefore !== 0 && job.notBefore <= now)) {
      for (const job of this.#queue) if (job.notBefore <= now) job.notBefore = 0;
      this.#dispatch();
    }
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
