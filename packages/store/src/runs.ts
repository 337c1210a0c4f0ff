/** Pipeline runs and their jobs as the hub shows them: status, timing, the runner, step results. */
import type { Db, Row } from './db.ts';
import { optionalNumber } from './environments.ts';
import { visibilitySql, type Visibility } from './visibility.ts';

export type RunStatus = 'queued' | 'running' | 'completed';

export interface RunRecord {
  id: string;
  repository: string;
  workflow: string;
  event: string;
  ref: string;
  sha: string;
  actor: string;
  status: RunStatus;
  conclusion: string | undefined;
  createdAt: number;
  finishedAt: number | undefined;
  /** What a hub needs to resume the run after a restart (JSON, written by the hub); absent for older runs. */
  plan?: string | undefined;
}

export interface RunJobRecord {
  runId: string;
  key: string;
  name: string;
  environment: string | undefined;
  /** queued, running, completed. */
  status: string;
  conclusion: string | undefined;
  runnerId: string | undefined;
  /** Times it was offered to a runner; above 1 after a build job was re-queued. */
  attempt: number;
  note: string | undefined;
  queuedAt: number;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  steps: { id: string; name: string; conclusion?: string; startedAt?: number; finishedAt?: number }[];
  /** The outputs of a finished job, for the jobs that need it when the run resumes after a restart. */
  outputs?: Record<string, string> | undefined;
}

/** Told the id of each run written (`*` when several were), after the write. */
export type RunChanged = (runId: string) => Promise<void>;

export class Runs {
  readonly #db: Db;
  readonly #changed: RunChanged;

  constructor(db: Db, changed: RunChanged = async () => undefined) {
    this.#db = db;
    this.#changed = changed;
  }

  /** A signal lost costs a live page one update, never the write: the page reads again when it reconnects. */
  async #signal(runId: string): Promise<void> {
    await this.#changed(runId).catch(() => undefined);
  }

  async create(run: Omit<RunRecord, 'status' | 'conclusion' | 'finishedAt'>): Promise<void> {
    await this.#db.run("INSERT INTO runs (id, repository, workflow, event, ref, sha, actor, status, created_at, plan) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)",
      [run.id, run.repository, run.workflow, run.event, run.ref, run.sha, run.actor, run.createdAt, run.plan ?? null]);
    await this.#signal(run.id);
  }

  /** Runs not completed, oldest first. */
  async unfinished(): Promise<RunRecord[]> {
    return (await this.#db.all("SELECT * FROM runs WHERE status <> 'completed' ORDER BY created_at, id")).map(toRun);
  }

  /** Ends one run that cannot go on: its unfinished jobs fail with `note`. */
  async abandonRun(id: string, note: string, now: number): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.run("UPDATE run_jobs SET status = 'completed', conclusion = 'failure', note = ?, finished_at = ? WHERE run_id = ? AND status <> 'completed'", [note, now, id]);
      await tx.run("UPDATE runs SET status = 'completed', conclusion = 'failure', finished_at = ? WHERE id = ? AND status <> 'completed'", [now, id]);
    });
    await this.#signal(id);
  }

  async finish(id: string, conclusion: string, now: number): Promise<void> {
    await this.#db.run("UPDATE runs SET status = 'completed', conclusion = ?, finished_at = ? WHERE id = ?", [conclusion, now, id]);
    await this.#signal(id);
  }

  /** A re-run: the run is in progress again. */
  async reopen(id: string): Promise<void> {
    await this.#db.run("UPDATE runs SET status = 'running', conclusion = NULL, finished_at = NULL WHERE id = ?", [id]);
    await this.#signal(id);
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const [row] = await this.#db.all('SELECT * FROM runs WHERE id = ?', [id]);
    return row === undefined ? undefined : toRun(row);
  }

  /** Newest first; with `visible` other than all, only runs with a job deploying to a visible environment. */
  async list(limit: number, visible: Visibility = 'all'): Promise<RunRecord[]> {
    if (visible === 'all') return (await this.#db.all('SELECT * FROM runs ORDER BY created_at DESC, id DESC LIMIT ?', [limit])).map(toRun);
    const filter = visibilitySql(this.#db.engine, visible, 'j.environment');
    return (await this.#db.all(`SELECT * FROM runs r WHERE EXISTS (SELECT 1 FROM run_jobs j WHERE j.run_id = r.id AND j.environment IS NOT NULL AND (${filter.clause}))
      ORDER BY r.created_at DESC, r.id DESC LIMIT ?`, [...filter.params, limit])).map(toRun);
  }

  /** Writes a job's whole row (the hub holds the live state; this keeps what it shows). */
  async putJob(job: RunJobRecord): Promise<void> {
    const values = [job.name, job.environment ?? null, job.status, job.conclusion ?? null, job.runnerId ?? null, job.attempt, job.note ?? null, job.queuedAt, job.startedAt ?? null, job.finishedAt ?? null, JSON.stringify(job.steps), job.outputs === undefined ? null : JSON.stringify(job.outputs)];
    await this.#db.transaction(async (tx) => {
      const changed = await tx.run('UPDATE run_jobs SET name = ?, environment = ?, status = ?, conclusion = ?, runner_id = ?, attempt = ?, note = ?, queued_at = ?, started_at = ?, finished_at = ?, steps = ?, outputs = ? WHERE run_id = ? AND job_key = ?', [...values, job.runId, job.key]);
      if (changed === 0) await tx.run('INSERT INTO run_jobs (name, environment, status, conclusion, runner_id, attempt, note, queued_at, started_at, finished_at, steps, outputs, run_id, job_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [...values, job.runId, job.key]);
    });
    await this.#signal(job.runId);
  }

  async job(runId: string, key: string): Promise<RunJobRecord | undefined> {
    const [row] = await this.#db.all('SELECT * FROM run_jobs WHERE run_id = ? AND job_key = ?', [runId, key]);
    return row === undefined ? undefined : toJob(row);
  }

  async jobs(runId: string): Promise<RunJobRecord[]> {
    return (await this.#db.all('SELECT * FROM run_jobs WHERE run_id = ? ORDER BY queued_at, job_key', [runId])).map(toJob);
  }
}

function toRun(row: Row): RunRecord {
  return {
    id: String(row.id), repository: String(row.repository), workflow: String(row.workflow), event: String(row.event), ref: String(row.ref), sha: String(row.sha), actor: String(row.actor),
    status: String(row.status) as RunStatus, conclusion: row.conclusion === null ? undefined : String(row.conclusion), createdAt: Number(row.created_at), finishedAt: optionalNumber(row.finished_at),
    ...(row.plan === null || row.plan === undefined ? {} : { plan: String(row.plan) }),
  };
}

function toJob(row: Row): RunJobRecord {
  return {
    runId: String(row.run_id), key: String(row.job_key), name: String(row.name), environment: row.environment === null ? undefined : String(row.environment), status: String(row.status),
    conclusion: row.conclusion === null ? undefined : String(row.conclusion), runnerId: row.runner_id === null ? undefined : String(row.runner_id), attempt: Number(row.attempt),
    note: row.note === null ? undefined : String(row.note), queuedAt: Number(row.queued_at), startedAt: optionalNumber(row.started_at), finishedAt: optionalNumber(row.finished_at),
    steps: JSON.parse(String(row.steps)) as RunJobRecord['steps'],
    ...(row.outputs === null || row.outputs === undefined ? {} : { outputs: JSON.parse(String(row.outputs)) as Record<string, string> }),
  };
}
