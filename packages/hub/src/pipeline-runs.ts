/**
 * Runs on the hub: a workflow at a commit, planned job by job in `needs` order (planJob, as
 * `trueup run` does), each job instance handed to the runner hub and its events kept: status
 * and timing in the store, the log in the store as it arrives (job-instance.ts), and the run, each
 * job's result and every lost runner in the ledger.
 */
import { randomUUID } from 'node:crypto';
import type { JobConclusion, JsonValue } from '@trueup/api';
import type { HubStore, RunJobRecord, RunRecord } from '@trueup/store';
import { ancestors, evaluateString, evaluateTemplate, needsStatus, planJob, readyJobs, resolveInputs, runConclusion, triggers, truthy, WorkflowErrors, type JobState, type NeedResult, type RunContext, type Workflow, type WorkflowJob } from '@trueup/workflow';
import { repoKey } from '@trueup/api';
import { ConcurrencyGroups } from './concurrency-groups.ts';
import type { EnvironmentGate } from './environment-gate.ts';
import { HubErrors } from './errors.ts';
import { JobInstances } from './job-instance.ts';
import { JobWrites } from './job-writes.ts';
import { secretScope, type SecretBox } from './secret-box.ts';
import type { RunnerHub } from './runner-hub.ts';
import { RepoCredentials } from './repo-credentials.ts';
import { workflowAt } from './run-source.ts';
import { Slots } from './slots.ts';
import { admittedBefore, githubContext, parseRunPlan, resumedStates, runPlanJson, type RunPlan } from './run-resume.ts';

export interface DispatchRequest {
  repository: string;
  ref: string;
  workflow: string;
  event: 'workflow_dispatch' | 'push';
  inputs: Record<string, string>;
  actor: string;
}

interface LiveRun {
  createdAt: number;
  /** Attempts made before, by job key: a re-run counts on from them. */
  attempts: Map<string, number>;
  controller: AbortController;
  /** The jobs handed to runners, by key. */
  jobs: Set<string>;
  done: Promise<void>;
  /** Resumed after a restart: the jobs as the store held them, by key. */
  resumed?: Map<string, RunJobRecord>;
}

export class PipelineRuns {
  readonly #store: HubStore;
  readonly #runners: RunnerHub;
  readonly #now: () => number;
  readonly #log: (message: string) => void;
  readonly #live = new Map<string, LiveRun>();
  readonly #gate: EnvironmentGate;
  readonly #box: SecretBox;
  /** Credentials of private repositories, for the hub's fetches and the runners' checkouts. */
  readonly credentials: RepoCredentials;
  readonly #writes: JobWrites;
  readonly #instances: JobInstances;
  readonly #groups = new ConcurrencyGroups((runId, reason) => void this.cancel(runId, reason));

  /** This hub process: the runs it starts are held by it (run-owners in the store). */
  readonly replica: string;

  constructor(deps: { store: HubStore; runners: RunnerHub; gate: EnvironmentGate; box: SecretBox; now: () => number; log: (message: string) => void; replica?: string }) {
    this.replica = deps.replica ?? randomUUID();
    this.#gate = deps.gate;
    this.#box = deps.box;
    this.credentials = new RepoCredentials(deps.store, deps.box);
    this.#store = deps.store;
    this.#runners = deps.runners;
    this.#now = deps.now;
    this.#log = deps.log;
    this.#writes = new JobWrites(deps.store);
    this.#instances = new JobInstances({ store: deps.store, runners: deps.runners, writes: this.#writes, now: deps.now, replica: this.replica, log: deps.log });
  }

  /** Reads the workflow at the ref, checks the trigger and inputs, records the run and starts it. */
  async dispatch(request: DispatchRequest): Promise<{ id: string; sha: string }> {
    const { sha, ref, workflow } = await this.workflowAt(request.repository, request.ref, request.workflow);
    if (!triggers(workflow.on, request.event === 'push' ? { name: 'push', ref } : { name: 'workflow_dispatch' })) {
      throw WorkflowErrors.create('WORKFLOW_UNSUPPORTED', `${workflow.file} has no ${request.event} trigger for ${ref}`, { file: workflow.file });
    }
    const inputs: Record<string, JsonValue> = request.event === 'workflow_dispatch' ? resolveInputs(workflow.file, workflow.on.workflowDispatch?.inputs ?? {}, request.inputs) : {};
    return this.start(workflow, { repository: request.repository, ref, sha, event: request.event, inputs, actor: request.actor });
  }

  /** A workflow of a repository at a ref, fetched with the repository's credentials. */
  workflowAt(repository: string, ref: string, name: string): ReturnType<typeof workflowAt> {
    return this.credentials.withGitEnv(repository, (env) => workflowAt(repository, ref, name, env));
  }

  /** Records a run of a loaded workflow at a commit and starts it. */
  async start(workflow: Workflow, at: { repository: string; ref: string; sha: string; event: 'push' | 'workflow_dispatch' | 'schedule'; inputs: Record<string, JsonValue>; actor: string; schedule?: string; rollback?: RollbackScope }): Promise<{ id: string; sha: string }> {
    const { sha, ref, inputs } = at;
    const id = randomUUID();
    const now = this.#now();
    const event = at.rollback === undefined ? at.event : 'rollback';
    const plan: RunPlan = { event: at.event, inputs, ...(at.schedule === undefined ? {} : { schedule: at.schedule }), ...(at.rollback === undefined ? {} : { rollback: at.rollback }) };
    await this.#store.runs.create({ id, repository: at.repository, workflow: workflow.file, event, ref, sha, actor: at.actor, createdAt: now, plan: runPlanJson(plan) });
    await this.#store.runOwners.own(id, this.replica, now);
    await this.#store.ledger.append({ environment: '', at: now, kind: 'run-started', actor: at.actor, details: { run: id, repository: at.repository, workflow: workflow.file, ref, sha, event } });
    const github = githubContext({ id, repository: at.repository, workflowName: workflow.name, ref, sha, actor: at.actor }, plan);
    const run: RunContext = { runId: id, github, inputs, vars: {}, secrets: {} };
    const live: LiveRun = { createdAt: now, attempts: new Map(), controller: new AbortController(), jobs: new Set(), done: Promise.resolve() };
    this.#live.set(id, live);
    live.done = this.#execute(workflow, run, at.repository, sha, live, undefined, at.rollback === undefined ? undefined : rollbackJobs(workflow, at.rollback))
      .catch((error: unknown) => this.#log(`run ${id}: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => this.#live.delete(id));
    return { id, sha };
  }

  /**
   * Takes up a run another hub process left in progress (this hub before a restart, or a
   * replica that is gone): jobs that ended keep their result, jobs on a runner are adopted back
   * when it returns (lost after the lease: failed if they target an environment, else queued
   * again), jobs not started are planned and queued. A run that cannot resume ends failed, saying why.
   */
  async resume(record: RunRecord): Promise<void> {
    if (this.#live.has(record.id)) return;
    const plan = parseRunPlan(record.plan);
    let workflow: Workflow | undefined;
    let why = plan === undefined ? 'the hub restarted and this run was started by a hub that did not keep its plan; start a new run to run it again' : undefined;
    if (why === undefined) {
      workflow = await this.workflowAt(record.repository, record.sha, record.workflow).then((found) => found.workflow, (error: unknown) => {
        why = `the hub restarted and could not read the workflow again (${error instanceof Error ? error.message : String(error)}); start a new run`;
        return undefined;
      });
    }
    if (plan === undefined || workflow === undefined) {
      await this.#store.runs.abandonRun(record.id, why ?? 'the hub restarted', this.#now());
      await this.#store.ledger.append({ environment: '', at: this.#now(), kind: 'run-abandoned', details: { run: record.id, reason: why ?? 'hub restarted' } });
      return;
    }
    const records = await this.#store.runs.jobs(record.id);
    const github = githubContext({ id: record.id, repository: record.repository, workflowName: workflow.name, ref: record.ref, sha: record.sha, actor: record.actor }, plan);
    const run: RunContext = { runId: record.id, github, inputs: plan.inputs, vars: {}, secrets: {} };
    const live: LiveRun = { createdAt: record.createdAt, attempts: new Map(), controller: new AbortController(), jobs: new Set(), done: Promise.resolve(), resumed: new Map(records.map((job) => [job.key, job])) };
    this.#live.set(record.id, live);
    await this.#store.runOwners.own(record.id, this.replica, this.#now());
    await this.#store.ledger.append({ environment: '', at: this.#now(), kind: 'run-resumed', details: { run: record.id, replica: this.replica, running: records.filter((job) => job.status === 'running').map((job) => job.key).join(',') } });
    live.done = this.#execute(workflow, run, record.repository, record.sha, live, resumedStates(workflow, records), plan.rollback === undefined ? undefined : rollbackJobs(workflow, plan.rollback))
      .catch((error: unknown) => this.#log(`run ${record.id}: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => this.#live.delete(record.id));
  }

  async cancel(runId: string, actor: string): Promise<boolean> {
    const live = this.#live.get(runId);
    if (live === undefined) return false;
    live.controller.abort();
    for (const key of live.jobs) this.#runners.cancel(`${runId}/${key}`, `cancelled by ${actor}`);
    await this.#store.ledger.append({ environment: '', at: this.#now(), kind: 'run-cancel-requested', actor, details: { run: runId } });
    return true;
  }

  /** Waits for the runs in progress (tests, shutdown). */
  async settled(runId: string): Promise<void> {
    await this.#live.get(runId)?.done;
  }

  /** What a finished run needs for a re-run of one of its jobs, for the newest runs. */
  readonly #finished = new Map<string, { workflow: Workflow; run: RunContext; repository: string; sha: string; createdAt: number; states: Map<string, JobState>; results: Map<string, NeedResult> }>();

  /**
   * Runs one job of a finished run again, asked by a person: with the outputs its needs had,
   * as the next attempt. Jobs after it are not run again.
   */
  async rerun(runId: string, jobId: string, actor: string): Promise<void> {
    if (this.#live.has(runId)) throw HubErrors.create('HUB_CONFLICT', `run ${runId} is still in progress`);
    const done = this.#finished.get(runId);
    if (done === undefined) throw HubErrors.create('HUB_CONFLICT', `this hub no longer holds the plan of run ${runId} (it ended long ago, or before a restart): start a new run`);
    if (!done.workflow.jobs.some((job) => job.id === jobId)) throw HubErrors.create('HUB_NOT_FOUND', `no job ${jobId} in run ${runId}`);
    const attempts = new Map((await this.#store.runs.jobs(runId)).map((job) => [job.key, job.attempt]));
    const live: LiveRun = { createdAt: this.#now(), attempts, controller: new AbortController(), jobs: new Set(), done: Promise.resolve() };
    this.#live.set(runId, live);
    await this.#store.runs.reopen(runId);
    await this.#store.runOwners.own(runId, this.replica, this.#now());
    await this.#store.ledger.append({ environment: '', at: this.#now(), kind: 'job-rerun-requested', actor, details: { run: runId, job: jobId } });
    const states = new Map(done.states);
    states.set(jobId, 'pending');
    const results = new Map(done.results);
    results.delete(jobId);
    live.done = this.#execute(done.workflow, done.run, done.repository, done.sha, live, { states, results })
      .catch((error: unknown) => this.#log(`run ${runId}: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => this.#live.delete(runId));
  }

  async #execute(workflow: Workflow, run: RunContext, repository: string, sha: string, live: LiveRun, prior?: { states: Map<string, JobState>; results: Map<string, NeedResult> }, only?: { jobs: Set<string>; note: string }): Promise<void> {
    const states = prior?.states ?? new Map<string, JobState>(workflow.jobs.map((job) => [job.id, 'pending']));
    const results = prior?.results ?? new Map<string, NeedResult>();
    // A rollback runs only the deploying job and what it needs; the others are shown skipped.
    const excluded = only === undefined ? [] : workflow.jobs.filter((j) => !only.jobs.has(j.id));
    for (const job of excluded) {
      states.set(job.id, 'skipped');
      results.set(job.id, { result: 'skipped', outputs: {} });
      await this.#writes.put({ runId: run.runId, key: job.id, name: job.id, environment: undefined, status: 'completed', conclusion: 'skipped', runnerId: undefined, attempt: 0, note: only?.note, queuedAt: this.#now(), startedAt: undefined, finishedAt: this.#now(), steps: [] });
    }
    const running = new Map<string, Promise<void>>();
    const cancelled = (): boolean => live.controller.signal.aborted;
    const runSlot = await this.#runConcurrency(workflow, run, live, prior !== undefined && live.resumed === undefined);
    if (!runSlot.ok) {
      for (const job of workflow.jobs) states.set(job.id, 'cancelled');
      await this.#store.ledger.append({ environment: '', at: this.#now(), kind: 'run-concurrency-cancelled', details: { run: run.runId, reason: runSlot.reason } });
    }
    const startJob = async (job: WorkflowJob): Promise<void> => {
      states.set(job.id, 'running');
      let conclusion: JobConclusion;
      try {
        const needs = Object.fromEntries(results);
        const status = needsStatus(workflow.jobs, states, job.id, cancelled());
        const probe = planJob(workflow, job, run, needs, status);
        const environment = probe.kind === 'skip' || probe.environment === undefined || probe.environment === '' ? undefined : probe.environment;
        // A job that passed the door before a restart is not stopped at it again.
        const gate = environment === undefined || (live.resumed !== undefined && admittedBefore(live.resumed, job.id)) ? { ok: true as const, release: () => undefined } : await this.#admit(live, run, job.id, environment);
        const plan = probe.kind === 'skip' || !gate.ok ? probe : planJob(workflow, job, { ...run, secrets: await this.#secretsFor(repository, environment) }, needs, status);
        if (!gate.ok) {
          conclusion = 'cancelled';
          results.set(job.id, { result: 'cancelled', outputs: {} });
        } else if (plan.kind === 'skip') {
          conclusion = 'skipped';
          await this.#writes.put({ runId: run.runId, key: job.id, name: job.id, environment: undefined, status: 'completed', conclusion, runnerId: undefined, attempt: 0, note: plan.reason, queuedAt: this.#now(), startedAt: undefined, finishedAt: this.#now(), steps: [] });
          results.set(job.id, { result: 'skipped', outputs: {} });
        } else {
          const group = plan.concurrency;
          const slot = group === undefined ? { ok: true as const, release: () => undefined } : await this.#groups.acquire(group.group, run.runId, group.cancelInProgress, live.controller.signal, (why) => {
            void this.#writes.put({ runId: run.runId, key: job.id, name: job.id, environment, status: 'waiting', conclusion: undefined, runnerId: undefined, attempt: 0, note: why, queuedAt: this.#now(), startedAt: undefined, finishedAt: undefined, steps: [] }).catch(() => undefined);
          });
          if (!slot.ok) {
            gate.release();
            conclusion = 'cancelled';
            results.set(job.id, { result: 'cancelled', outputs: {} });
            await this.#writes.put({ runId: run.runId, key: job.id, name: job.id, environment, status: 'completed', conclusion, runnerId: undefined, attempt: 0, note: slot.reason, queuedAt: this.#now(), startedAt: undefined, finishedAt: this.#now(), steps: [] });
          } else try {
            const repoSecrets = await this.credentials.get(repository);
            // The repository's password is masked in the job's log like a secret.
            if (repoSecrets?.password !== undefined) for (const spec of plan.instances) spec.masks.push(repoSecrets.password);
            const failFast = new AbortController();
            const slots = new Slots(plan.maxParallel);
            const outcomes = await Promise.all(plan.instances.map(async (spec, index) => {
              const key = plan.instances.length > 1 ? `${job.id}#${index}` : job.id;
              await slots.take();
              const outcome = await (async () => {
                if (failFast.signal.aborted || cancelled()) return { conclusion: 'cancelled' as JobConclusion, outputs: {} };
                return this.#instances.run(live, run.runId, key, spec.name, environment, plan.runsOn[index] ?? [], { job: `${run.runId}/${key}`, spec: spec as unknown as Record<string, unknown>, repository: { url: repository, sha, ...(repoSecrets === undefined ? {} : { credentials: repoSecrets }) } });
              })().finally(() => slots.give());
              if (outcome.conclusion === 'failure' && plan.failFast) {
                failFast.abort();
                for (const other of plan.instances.keys()) if (other !== index) this.#runners.cancel(`${run.runId}/${job.id}#${other}`, 'another job of the matrix failed');
              }
              return outcome;
            }));
            const conclusions = outcomes.map((o) => o.conclusion);
            conclusion = cancelled() ? 'cancelled' : conclusions.includes('failure') ? 'failure' : conclusions.includes('cancelled') ? 'cancelled' : 'success';
            if (conclusion === 'failure' && plan.continueOnError) conclusion = 'success';
            results.set(job.id, { result: conclusion, outputs: Object.assign({}, ...outcomes.map((o) => o.outputs)) as Record<string, string> });
          } finally {
            slot.release();
            gate.release();
          }
        }
      } catch (error) {
        conclusion = 'failure';
        results.set(job.id, { result: 'failure', outputs: {} });
        await this.#writes.put({ runId: run.runId, key: job.id, name: job.id, environment: undefined, status: 'completed', conclusion, runnerId: undefined, attempt: 0, note: error instanceof Error ? error.message : String(error), queuedAt: this.#now(), startedAt: undefined, finishedAt: this.#now(), steps: [] });
      }
      states.set(job.id, conclusion);
    };
    for (;;) {
      for (const id of readyJobs(workflow.jobs, states)) {
        const job = workflow.jobs.find((j) => j.id === id) as WorkflowJob;
        running.set(id, startJob(job).finally(() => running.delete(id)));
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
    if (runSlot.ok) runSlot.release();
    const conclusion = runConclusion(states, cancelled());
    await this.#store.runs.finish(run.runId, conclusion, this.#now());
    this.#finished.set(run.runId, { workflow, run, repository, sha, createdAt: live.createdAt, states, results });
    while (this.#finished.size > 200) this.#finished.delete(this.#finished.keys().next().value as string);
    await this.#store.ledger.append({ environment: '', at: this.#now(), kind: 'run-finished', actor: typeof run.github.actor === 'string' ? run.github.actor : undefined, details: { run: run.runId, conclusion } });
  }

  /** The workflow's own `concurrency` (not for a re-run of one job). */
  async #runConcurrency(workflow: Workflow, run: RunContext, live: LiveRun, rerun: boolean): Promise<{ ok: true; release: () => void } | { ok: false; reason: string }> {
    if (workflow.concurrency === undefined || rerun) return { ok: true, release: () => undefined };
    const contexts = { github: run.github, inputs: run.inputs, vars: run.vars };
    const group = evaluateString(workflow.concurrency.group, contexts);
    const cancelInProgress = truthy(evaluateTemplate(workflow.concurrency.cancelInProgress, contexts));
    return this.#groups.acquire(group, run.runId, cancelInProgress, live.controller.signal, (why) => this.#log(`run ${run.runId}: ${why}`));
  }

  /** Waits at the environment's door; a refusal or a newer run ends the job (shown superseded, never run). */
  async #admit(live: LiveRun, run: RunContext, key: string, environment: string): Promise<{ ok: true; release: () => void } | { ok: false }> {
    const record: RunJobRecord = { runId: run.runId, key, name: key, environment, status: 'waiting', conclusion: undefined, runnerId: undefined, attempt: 0, note: undefined, queuedAt: this.#now(), startedAt: undefined, finishedAt: undefined, steps: [] };
    const admission = await this.#gate.admit(environment, { id: run.runId, actor: typeof run.github.actor === 'string' ? run.github.actor : '', ref: typeof run.github.ref === 'string' ? run.github.ref : '', createdAt: live.createdAt }, live.controller.signal, (why) => {
      if (record.note === why) return;
      record.note = why;
      void this.#writes.put(record).catch(() => undefined);
    });
    if (admission.ok) return admission;
    Object.assign(record, { status: 'completed', conclusion: admission.superseded === undefined ? 'cancelled' : 'superseded', note: admission.reason, finishedAt: this.#now() });
    await this.#writes.put(record);
    await this.#store.ledger.append({ environment, at: this.#now(), kind: admission.superseded === undefined ? 'deployment-refused' : 'deployment-superseded', details: { run: run.runId, job: key, reason: admission.reason } });
    return { ok: false };
  }

  /** The repository's secrets, with the environment's over them, opened for one job. */
  async #secretsFor(repository: string, environment: string | undefined): Promise<Record<string, string>> {
    const key = repoKey(repository);
    const sealed = await this.#store.pipelineSecrets.sealedFor(key, environment);
    return Object.fromEntries([...sealed].map(([name, entry]) => [name, this.#box.open(entry.sealed, secretScope(key, entry.environment, name))]));
  }
}

/** What a rollback runs again: the job that made the deployment (by id, a matrix instance's `#n` dropped). */
export interface RollbackScope {
  environment: string;
  job: string;
  /** The run whose deployment is made again. */
  of: string;
}

function rollbackJobs(workflow: Workflow, scope: RollbackScope): { jobs: Set<string>; note: string } {
  const job = scope.job.replace(/#\d+$/, '');
  return { jobs: new Set([job, ...ancestors(workflow.jobs, job)]), note: `not part of the rollback of ${scope.environment} to run ${scope.of}` };
}
