/**
 * One job instance handed to the runner hub: its row (status, runner, steps) written as its
 * events come, its log written to the store as it arrives (job-log.ts: every replica reads it
 * there, and it outlives this process), the ledger told how it ended. After a restart a job
 * that was on a runner is adopted back, and one that had ended keeps its result.
 */
import type { JobConclusion, JobEvent } from '@trueup/api';
import type { HubStore, RunJobRecord } from '@trueup/store';
import { JobLog } from './job-log.ts';
import type { JobWrites } from './job-writes.ts';
import type { JobOutcome, JobRequest, RunnerHub } from './runner-hub.ts';

/** What a run in progress tells its job instances. */
export interface InstanceRun {
  /** Attempts made before, by job key: a re-run counts on from them. */
  attempts: Map<string, number>;
  /** The jobs handed to runners, by key (cancelled with the run). */
  jobs: Set<string>;
  /** Resumed after a restart: the jobs as the store held them, by key. */
  resumed?: Map<string, RunJobRecord>;
}

export interface InstanceOffer {
  job: string;
  spec: Record<string, unknown>;
  repository: { url: string; sha: string };
}

export interface JobInstancesDeps {
  store: HubStore;
  runners: RunnerHub;
  writes: JobWrites;
  now: () => number;
  replica: string;
  log: (message: string) => void;
}

export class JobInstances {
  readonly #deps: JobInstancesDeps;

  constructor(deps: JobInstancesDeps) {
    this.#deps = deps;
  }

  async run(live: InstanceRun, runId: string, key: string, name: string, environment: string | undefined, labels: string[], offer: InstanceOffer): Promise<{ conclusion: JobConclusion; outputs: Record<string, string> }> {
    const { store, runners, writes, replica } = this.#deps;
    const now = this.#deps.now;
    const prior = live.resumed?.get(key);
    live.jobs.add(key);
    // Its log is in the store already, up to what reached it before the restart.
    if (prior?.status === 'completed') return { conclusion: prior.conclusion === 'success' || prior.conclusion === 'skipped' || prior.conclusion === 'cancelled' ? prior.conclusion : 'failure', outputs: prior.outputs ?? {} };
    const log = new JobLog(store.runLogs, runId, key, { onError: (error) => this.#deps.log(`run ${runId} job ${key}: its log: ${String(error)}`) });
    if (prior !== undefined) log.append('[trueup] the hub restarted; the log goes on from here\n');
    else if ((live.attempts.get(key) ?? 0) > 0) await store.runLogs.reset(runId, key);
    // Text the runner numbered: what it sends again after a reconnect (or to this hub after a restart) is written once.
    let lastSeq = prior === undefined ? 0 : await store.runLogs.runnerSeq(runId, key);
    const record: RunJobRecord = prior === undefined ? { runId, key, name, environment, status: 'queued', conclusion: undefined, runnerId: undefined, attempt: 0, note: undefined, queuedAt: now(), startedAt: undefined, finishedAt: undefined, steps: [] } : { ...prior, steps: [...prior.steps] };
    await writes.put(record);
    const save = (): void => {
      void writes.put(record).catch((error: unknown) => this.#deps.log(`run ${runId} job ${key}: ${String(error)}`));
    };
    const request: JobRequest = {
      key: offer.job, labels, environment, offer,
      onStarted: (runnerId, attempt) => {
        Object.assign(record, { status: 'running', runnerId, attempt: attempt + (live.attempts.get(key) ?? 0), startedAt: record.startedAt ?? now() });
        save();
      },
      onRequeued: (runnerId) => {
        // The next runner numbers its text from 1: the note, numbered 0, says so to the store too.
        lastSeq = 0;
        log.append(`[trueup] the runner ${runnerId} was lost; the job is queued again\n`, 0);
        Object.assign(record, { status: 'queued', runnerId: undefined, startedAt: undefined, steps: [], note: `re-queued after runner ${runnerId} was lost` });
        save();
        void store.ledger.append({ environment: '', at: now(), kind: 'runner-lost', details: { run: runId, job: key, runner: runnerId, action: 'requeued' } });
      },
      onEvent: (event) => {
        if (event.type === 'log' && event.seq !== undefined) {
          if (event.seq <= lastSeq) return;
          lastSeq = event.seq;
        }
        this.#onEvent(record, log, event, save);
      },
    };
    // Before a restart: on a runner, it is adopted back; offered maybe, a job for an environment
    // waits a lease for its runner to claim it before it is offered again (never run twice).
    const onRunner = prior?.status === 'running' && prior.runnerId !== undefined;
    const outcome: JobOutcome = await (onRunner && await runners.claimedElsewhere(offer.job, replica)
      ? runners.adoptRemote(request)
      : onRunner && prior?.runnerId !== undefined
      ? runners.adopt(request, { runnerId: prior.runnerId, attempt: prior.attempt })
      : runners.run(request, prior === undefined ? {} : { resumed: true, ...(environment === undefined ? {} : { holdMs: runners.leaseMs }) }));
    let conclusion: JobConclusion;
    let outputs: Record<string, string> = {};
    if (outcome.kind === 'result') {
      conclusion = outcome.result.conclusion;
      outputs = outcome.result.outputs;
      record.outputs = outputs;
    } else if (outcome.kind === 'lost') {
      conclusion = 'failure';
      record.note = 'runner lost';
      log.append(`[trueup] runner lost: the runner ${outcome.runnerId} stopped answering while it ran this job for environment "${environment ?? ''}"; it is not run again unless a person asks\n`);
    } else {
      conclusion = 'cancelled';
      record.note = outcome.reason;
    }
    // The log is whole in the store before the job shows ended: a follower that sees it ended has read it all.
    await log.end();
    Object.assign(record, { status: 'completed', conclusion, finishedAt: now() });
    await writes.put(record);
    await store.ledger.append({ environment: environment ?? '', at: now(), kind: environment === undefined ? 'job-finished' : 'deployment-job-finished', details: { run: runId, job: key, conclusion, runner: record.runnerId ?? null, attempt: record.attempt, ...(record.note === undefined ? {} : { note: record.note }) } });
    return { conclusion, outputs };
  }

  #onEvent(record: RunJobRecord, log: JobLog, event: JobEvent, save: () => void): void {
    const now = this.#deps.now;
    switch (event.type) {
      case 'log':
        log.append(event.text, event.seq);
        break;
      case 'step-started':
        record.steps[event.index] = { id: event.id, name: event.name, startedAt: now() };
        save();
        break;
      case 'step-finished': {
        const step = record.steps[event.index] ?? { id: event.id, name: event.id };
        record.steps[event.index] = { ...step, conclusion: event.conclusion, finishedAt: now() };
        save();
        break;
      }
      default:
        break;
    }
  }
}
