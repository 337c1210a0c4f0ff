/** Resuming a run: which jobs keep their ending, which go through the plan again, and the stored plan read back. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunJobRecord } from '@trueup/store';
import { loadWorkflow } from '@trueup/workflow';
import { admittedBefore, parseRunPlan, resumedStates, runPlanJson } from './run-resume.ts';

const workflow = await loadWorkflow('.trueup/workflows/ship.yml', `on: workflow_dispatch
jobs:
  lint: { runs-on: linux, if: "false", steps: [{ run: echo }] }
  build: { runs-on: linux, steps: [{ run: echo }] }
  test: { runs-on: linux, strategy: { matrix: { n: [1, 2] } }, steps: [{ run: echo }] }
  deploy: { needs: [build, test], runs-on: linux, environment: prod, steps: [{ run: echo }] }
`);

const job = (key: string, fields: Partial<RunJobRecord>): RunJobRecord => ({ runId: 'r', key, name: key, environment: undefined, status: 'completed', conclusion: 'success', runnerId: undefined, attempt: 0, note: undefined, queuedAt: 1, startedAt: undefined, finishedAt: 2, steps: [], ...fields });

test('resumed states: an ending without a runner is kept; every job that reached a runner is planned again', () => {
  const records = [
    job('lint', { conclusion: 'skipped' }),
    job('build', { runnerId: 'r1', attempt: 1, startedAt: 1, outputs: { a: '1' } }),
    job('test#0', { runnerId: 'r1', attempt: 1, startedAt: 1 }),
    job('deploy', { status: 'waiting', conclusion: undefined, finishedAt: undefined }),
  ];
  const { states, results } = resumedStates(workflow, records);
  assert.deepEqual(Object.fromEntries(states), { lint: 'skipped', build: 'pending', test: 'pending', deploy: 'pending' });
  assert.deepEqual(Object.fromEntries(results), { lint: { result: 'skipped', outputs: {} } });
  const superseded = resumedStates(workflow, [job('deploy', { conclusion: 'superseded' })]);
  assert.equal(superseded.states.get('deploy'), 'cancelled');
});

test('admitted before: a job one of whose instances reached a runner does not wait at its environment again', () => {
  const byKey = (records: RunJobRecord[]): Map<string, RunJobRecord> => new Map(records.map((r) => [r.key, r]));
  for (const [name, records, want] of [
    ['waiting at the door', [job('deploy', { status: 'waiting', conclusion: undefined })], false],
    ['queued, never offered', [job('deploy', { status: 'queued', conclusion: undefined })], false],
    ['on a runner', [job('deploy', { status: 'running', conclusion: undefined, runnerId: 'r1', attempt: 1, startedAt: 5 })], true],
    ['a matrix instance on a runner', [job('deploy#1', { status: 'running', conclusion: undefined, runnerId: 'r1', attempt: 1 })], true],
    ['another job on a runner', [job('build', { runnerId: 'r1', attempt: 1 })], false],
  ] as const) {
    assert.equal(admittedBefore(byKey([...records]), 'deploy'), want, name);
  }
});

test('the stored plan reads back; a missing or broken one is no plan', () => {
  const plan = { event: 'workflow_dispatch' as const, inputs: { greeting: 'hi' }, rollback: { environment: 'prod', job: 'deploy', of: 'run0' } };
  assert.deepEqual(parseRunPlan(runPlanJson(plan)), plan);
  assert.equal(parseRunPlan(undefined), undefined);
  assert.equal(parseRunPlan('{"inputs":{}}'), undefined);
  assert.equal(parseRunPlan('not json'), undefined);
});
