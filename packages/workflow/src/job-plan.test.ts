import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { planJob, type RunContext } from './job-plan.ts';
import { loadWorkflow } from './load.ts';

const run: RunContext = {
  runId: 'r1',
  github: { ref: 'refs/heads/main', event_name: 'workflow_dispatch', sha: 'abc' },
  inputs: { target: 'prod', n: 2 },
  vars: {},
  secrets: { TOKEN: 's3cret-value', EMPTY: '' },
};
const ok = { success: true, failure: false, cancelled: false };
const failed = { success: false, failure: true, cancelled: false };

const workflow = await loadWorkflow('.trueup/workflows/w.yml', `on: workflow_dispatch
env: { WF: 'wf-\${{ inputs.target }}' }
defaults: { run: { shell: sh, working-directory: sub } }
jobs:
  build:
    runs-on: self-hosted
    steps: [{ run: "true" }]
  deploy:
    runs-on: [linux, '\${{ matrix.region }}']
    needs: build
    name: deploy \${{ matrix.region }}
    if: needs.build.outputs.ok == 'yes'
    timeout-minutes: \${{ inputs.n }}
    environment: \${{ inputs.target }}
    concurrency: { group: 'deploy-\${{ inputs.target }}', cancel-in-progress: true }
    env: { WHERE: '\${{ inputs.target }}/\${{ matrix.region }}', TOKEN: '\${{ secrets.TOKEN }}' }
    defaults: { run: { shell: bash } }
    strategy:
      max-parallel: 1
      matrix: { region: [eu, us] }
    steps: [{ run: "true" }]
  cleanup:
    runs-on: self-hosted
    needs: deploy
    if: failure()
    continue-on-error: true
    steps: [{ run: "true" }]
`);
const [build, deploy, cleanup] = workflow.jobs;

test('planJob: if decided from needs, matrix expanded, env, defaults, timeout and names evaluated', () => {
  assert.deepEqual(planJob(workflow, deploy!, run, { build: { result: 'success', outputs: { ok: 'no' } } }, ok), { kind: 'skip', reason: "if: success() && (needs.build.outputs.ok == 'yes')" });
  const plan = planJob(workflow, deploy!, run, { build: { result: 'success', outputs: { ok: 'yes' } } }, ok);
  assert.equal(plan.kind, 'run');
  if (plan.kind !== 'run') return;
  assert.deepEqual(plan.instances.map((spec) => spec.name), ['deploy eu', 'deploy us']);
  assert.deepEqual(plan.instances.map((spec) => spec.env.WHERE), ['prod/eu', 'prod/us']);
  assert.equal(plan.instances[0]?.env.TOKEN, 's3cret-value');
  assert.equal(plan.instances[0]?.env.WF, 'wf-prod');
  assert.deepEqual(plan.instances[0]?.masks, ['s3cret-value']);
  assert.deepEqual(plan.instances[0]?.defaultsRun, { shell: 'bash', workingDirectory: 'sub' });
  assert.equal(plan.instances[0]?.timeoutMinutes, 2);
  assert.deepEqual(plan.instances[1]?.contexts.strategy, { 'fail-fast': true, 'job-index': 1, 'job-total': 2, 'max-parallel': 1 });
  assert.deepEqual(plan.instances[0]?.contexts.needs, { build: { result: 'success', outputs: { ok: 'yes' } } });
  assert.equal(plan.maxParallel, 1);
  assert.deepEqual(plan.runsOn, [['linux', 'eu'], ['linux', 'us']]);
  assert.equal(plan.environment, 'prod');
  assert.deepEqual(plan.concurrency, { group: 'deploy-prod', cancelInProgress: true });
});

test('planJob: status functions follow upstream results', () => {
  assert.equal(planJob(workflow, cleanup!, run, {}, ok).kind, 'skip');
  const plan = planJob(workflow, cleanup!, run, {}, failed);
  assert.equal(plan.kind, 'run');
  assert.equal(plan.kind === 'run' && plan.continueOnError, true);
  assert.equal(planJob(workflow, build!, run, {}, ok).kind, 'run');
});

test('planJob: an expression that fails names the job and the field', () => {
  const broken = { ...deploy!, timeoutMinutes: { $expr: 'fromJSON(inputs.target)' } };
  assert.throws(() => planJob(workflow, broken, run, { build: { result: 'success', outputs: { ok: 'yes' } } }, ok),
    (error) => isTrueupError(error, 'WORKFLOW_EXPRESSION_INVALID') && /jobs\.deploy\.timeout-minutes/.test(error.message) && error.location.file === '.trueup/workflows/w.yml');
});
