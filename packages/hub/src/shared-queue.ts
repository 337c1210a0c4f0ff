/**
 * The runner queue shared by hub replicas on PostgreSQL. A job that no runner of its own replica
 * can take is published to the store (its offer sealed: it carries the job's secrets); a replica
 * with a matching idle runner claims it, runs it there as a job of its own, and relays what its
 * runner reports (started, events, the outcome) as frames to the replica that owns the run,
 * woken by LISTEN/NOTIFY. A cancel travels the other way as a frame to the claiming replica.
 */
import { randomUUID } from 'node:crypto';
import type { JobEvent, RunnerOffer } from '@trueup/api';
import type { HubStore } from '@trueup/store';
import type { RemoteJobFrame, RunnerHub, SharedQueuePort } from './runner-hub.ts';
import type { SecretBox } from './secret-box.ts';

type Frame = RemoteJobFrame | { kind: 'cancel'; reason: string };

export class SharedQueue implements SharedQueuePort {
  readonly replica = randomUUID();
  readonly #store: HubStore;
  readonly #box: SecretBox;
  readonly #runners: RunnerHub;
  readonly #log: (message: string) => void;
  readonly #unsubscribe: (() => void)[];
  /** Frames are written in the order they happen. */
  #writes: Promise<unknown> = Promise.resolve();
  #lastFrame = 0;
  #reading: Promise<void> | undefined;
  #readAgain = false;
  #pulling: Promise<void> | undefined;
  #pullAgain = false;
  #closed = false;

  constructor(deps: { store: HubStore; box: SecretBox; runners: RunnerHub; log: (message: string) => void }) {
    this.#store = deps.store;
    this.#box = deps.box;
    this.#runners = deps.runners;
    this.#log = deps.log;
    this.#unsubscribe = [
      deps.store.signals.subscribe('runner_jobs', () => this.pull()),
      deps.store.signals.subscribe('runner_job_frames', (owner) => {
        if (owner === this.replica || owner === '*') this.#readFrames();
      }),
    ];
    deps.runners.share(this);
  }

  publish(job: { key: string; labels: string[]; environment: string | undefined; offer: RunnerOffer; queuedAt: number }): void {
    this.#write(async () => {
      const offer = this.#box.seal(JSON.stringify(job.offer), `runner-job\n${job.key}`);
      await this.#store.sharedJobs.publish({ key: job.key, owner: this.replica, labels: job.labels, environment: job.environment, offer, queuedAt: job.queuedAt });
      await this.#store.signals.publish('runner_jobs', job.key);
    });
  }

  claim(key: string): Promise<boolean> {
    return this.#store.sharedJobs.claim(key, this.replica);
  }

  claimedBy(key: string): Promise<string | undefined> {
    return this.#store.sharedJobs.claimedBy(key);
  }

  forget(key: string): void {
    this.#write(() => this.#store.sharedJobs.remove(key));
  }

  cancelRemote(key: string, reason: string): void {
    this.#write(async () => {
      const claimer = await this.#store.sharedJobs.claimedBy(key);
      if (claimer !== undefined) await this.#relay(claimer, key, { kind: 'cancel', reason });
    });
  }

  /** Claims queued jobs of other replicas that an idle runner here can take. */
  pull(): void {
    if (this.#closed) return;
    if (this.#pulling !== undefined) {
      this.#pullAgain = true;
      return;
    }
    this.#pulling = (async () => {
      do {
        this.#pullAgain = false;
        for (const job of await this.#store.sharedJobs.queued(200)) {
          if (job.owner === this.replica || !this.#runners.canTake(job.labels)) continue;
          if (!(await this.#store.sharedJobs.claim(job.key, this.replica))) continue;
          const offer = JSON.parse(this.#box.open(job.offer, `runner-job\n${job.key}`)) as RunnerOffer;
          this.#runFor(job.owner, job.key, job.labels, job.environment, offer);
        }
      } while (this.#pullAgain && !this.#closed);
    })().catch((error: unknown) => this.#log(`shared runner queue: ${error instanceof Error ? error.message : String(error)}`)).finally(() => {
      this.#pulling = undefined;
    });
  }

  /** Runs another replica's job on a runner here, relaying what happens to its owner. */
  #runFor(owner: string, key: string, labels: string[], environment: string | undefined, offer: RunnerOffer): void {
    // To whoever holds the run now: another replica may have taken it over since.
    const relay = (frame: Frame): void => this.#write(async () => this.#relay((await this.#store.sharedJobs.ownerOf(key)) ?? owner, key, frame));
    void this.#runners.run({
      key, labels, environment, offer,
      onStarted: (runnerId, attempt) => relay({ kind: 'started', runnerId, attempt }),
      onEvent: (event: JobEvent) => relay({ kind: 'event', event }),
      onRequeued: (runnerId) => relay({ kind: 'requeued', runnerId }),
    }, { localOnly: true }).then((outcome) => relay({ kind: 'outcome', outcome }));
  }

  async #relay(to: string, key: string, frame: Frame): Promise<void> {
    await this.#store.sharedJobs.relay(to, key, JSON.stringify(frame));
    await this.#store.signals.publish('runner_job_frames', to);
  }

  #readFrames(): void {
    if (this.#reading !== undefined) {
      this.#readAgain = true;
      return;
    }
    this.#reading = (async () => {
      do {
        this.#readAgain = false;
        for (;;) {
          const frames = await this.#store.sharedJobs.frames(this.replica, this.#lastFrame);
          if (frames.length === 0) break;
          for (const frame of frames) {
            this.#lastFrame = frame.id;
            const parsed = JSON.parse(frame.body) as Frame;
            if (parsed.kind === 'cancel') this.#runners.cancel(frame.key, parsed.reason);
            else this.#runners.remoteFrame(frame.key, parsed);
          }
        }
      } while (this.#readAgain && !this.#closed);
    })().catch((error: unknown) => this.#log(`shared runner queue: ${error instanceof Error ? error.message : String(error)}`)).finally(() => {
      this.#reading = undefined;
    });
  }

  #write(fn: () => Promise<unknown>): void {
    this.#writes = this.#writes.then(fn).catch((error: unknown) => this.#log(`shared runner queue: ${error instanceof Error ? error.message : String(error)}`));
  }

  close(): void {
    this.#closed = true;
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }
}
