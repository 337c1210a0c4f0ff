/**
 * What a hub needs to resume a run another hub process started (the same hub before a restart,
 * or a replica that is gone): the run's plan kept in the store when it started, its `github`
 * context rebuilt from it, and which jobs had already ended (with their outputs, for the jobs
 * that need them). Jobs that were on a runner are adopted back when that runner returns.
 */
import type { JsonValue } from '@trueup/api';
import type { RunJobRecord } from '@trueup/store';
import type { JobState, NeedResult, Workflow } from '@trueup/workflow';

/** What rollback re-runs (see pipeline-runs.ts). */
export interface RollbackScopeJson {
  environment: string;
  job: string;
  of: string;
}

export interface RunPlan {
  event: 'push' | 'workflow_dispatch' | 'schedule';
  inputs: Record<string, JsonValue>;
  schedule?: string;
  rollback?: RollbackScopeJson;
}

export function runPlanJson(plan: RunPlan): string {
  return JSON.stringify(plan);
}

/** The stored plan; undefined for a run stored without one (started by an older hub). */
export function parseRunPlan(text: string | undefined): RunPlan | undefined {
  if (text === undefined) return undefined;
  try {
    const plan = JSON.parse(text) as Partial<RunPlan>;
    if (plan.event === undefined || typeof plan.inputs !== 'object' || plan.inputs === null) return undefined;
    return plan as RunPlan;
  } catch {
    return undefined;
  }
}

/** The `github` context of a run, the same when it starts and when it resumes. */
export function githubContext(run: { id: string; repository: string; workflowName: string; ref: string; sha: string; actor: string }, plan: RunPlan): Record<string, JsonValue> {
  const { ref, sha } = run;
  return {
    event_name: plan.event, ref, ref_name: ref.replace(/^refs\/(heads|tags)\//, ''), ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch', sha,
    repository: run.repository, workflow: run.workflowName, run_id: run.id, run_number: 1, run_attempt: 1, actor: run.actor, triggering_actor: run.actor,
    server_url: '', event: plan.event === 'workflow_dispatch' ? { inputs: plan.inputs } : plan.event === 'schedule' ? { schedule: plan.schedule ?? '' } : { ref, after: sha },
  };
}

/** The workflow job a stored job belongs to (a matrix instance's `#n` dropped). */
export function jobIdOf(key: string): string {
  return key.replace(/#\d+$/, '');
}

/**
 * Jobs that ended before the restart without reaching a runner (skipped, refused, cancelled):
 * they keep their ending. Every other job goes through the plan again, where an instance that
 * ended keeps its result and one still on a runner is adopted.
 */
export function resumedStates(workflow: Workflow, records: RunJobRecord[]): { states: Map<string, JobState>; results: Map<string, NeedResult> } {
  const states = new Map<string, JobState>(workflow.jobs.map((job) => [job.id, 'pending']));
  const results = new Map<string, NeedResult>();
  for (const record of records) {
    if (record.key !== jobIdOf(record.key) || record.status !== 'completed' || record.attempt !== 0 || record.runnerId !== undefined) continue;
    if (!states.has(record.key)) continue;
    const conclusion: NeedResult['result'] = record.conclusion === 'success' || record.conclusion === 'failure' || record.conclusion === 'skipped' ? record.conclusion : 'cancelled';
    states.set(record.key, conclusion);
    results.set(record.key, { result: conclusion, outputs: record.outputs ?? {} });
  }
  return { states, results };
}

/** Whether a job already passed its environment's door before the restart (one of its instances reached a runner). */
export function admittedBefore(records: ReadonlyMap<string, RunJobRecord>, jobId: string): boolean {
  return [...records.values()].some((record) => jobIdOf(record.key) === jobId && (record.runnerId !== undefined || record.attempt > 0 || record.startedAt !== undefined));
}

