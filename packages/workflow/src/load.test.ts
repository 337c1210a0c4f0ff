import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { loadWorkflow } from './load.ts';

const FILE = '.trueup/workflows/ci.yml';

async function refused(content: string): Promise<{ code: string; line: number | undefined; column: number | undefined; message: string }> {
  try {
    await loadWorkflow(FILE, content);
  } catch (error) {
    assert.ok(isTrueupError(error), String(error));
    assert.equal(error.location.file, FILE);
    return { code: error.code, line: error.location.line, column: error.location.column, message: error.describe() };
  }
  assert.fail('the workflow loaded');
}

test('a workflow with triggers, matrix, needs, outputs and steps loads into the model', async () => {
  const workflow = await loadWorkflow(FILE, `name: ci
on:
  push: { branches: [main], tags: ['v*'], paths: ['src/**'] }
  workflow_dispatch:
    inputs:
      level: { type: choice, options: [low, high], default: low }
      dry: { type: boolean }
  schedule: [{ cron: '0 3 * * *' }]
env: { GREETING: hi }
defaults: { run: { shell: bash } }
concurrency: { group: 'ci-\${{ github.ref }}', cancel-in-progress: true }
jobs:
  build:
    runs-on: [self-hosted, linux]
    timeout-minutes: 5
    strategy: { matrix: { v: [1, 2] }, fail-fast: false, max-parallel: 1 }
    outputs: { version: '\${{ steps.v.outputs.version }}' }
    steps:
      - uses: actions/checkout@v4
      - id: v
        run: echo "version=\${{ matrix.v }}" >> "$GITHUB_OUTPUT"
      - uses: ./actions/hello
        with: { who: me }
  deploy:
    runs-on: self-hosted
    needs: build
    if: github.ref == 'refs/heads/main'
    environment: { name: prod, url: 'https://example.invalid' }
    continue-on-error: true
    steps:
      - run: echo \${{ needs.build.outputs.version }}
        working-directory: sub
`);
  assert.equal(workflow.name, 'ci');
  assert.deepEqual(workflow.on.push, { branches: ['main'], tags: ['v*'], paths: ['src/**'] });
  assert.deepEqual(workflow.on.workflowDispatch?.inputs.level?.options, ['low', 'high']);
  assert.equal(workflow.on.workflowDispatch?.inputs.dry?.type, 'boolean');
  assert.deepEqual(workflow.on.schedule, [{ cron: '0 3 * * *' }]);
  assert.deepEqual(workflow.concurrency?.cancelInProgress, true);
  const [build, deploy] = workflow.jobs;
  assert.equal(build?.id, 'build');
  assert.deepEqual(build?.strategy.matrix, { v: [1, 2] });
  assert.equal(build?.strategy.failFast, false);
  assert.equal(build?.timeoutMinutes, 5);
  assert.deepEqual(build?.steps.map((s) => s.action.kind), ['builtin', 'run', 'local']);
  assert.deepEqual(build?.steps[1]?.at, { file: FILE, line: 20, column: 9 });
  assert.deepEqual(build?.outputs.version, { $expr: 'steps.v.outputs.version' });
  assert.deepEqual(deploy?.needs, ['build']);
  assert.equal(deploy?.if, "success() && (github.ref == 'refs/heads/main')");
  assert.deepEqual(deploy?.environment?.name, 'prod');
  assert.equal(deploy?.continueOnError, true);
});

const JOB = 'on: push\njobs:\n  a:\n    runs-on: self-hosted\n';
const refusals: { name: string; yaml: string; code: string; line: number; column: number; says: RegExp }[] = [
  { name: 'a marketplace action', code: 'WORKFLOW_UNSUPPORTED', line: 6, column: 15, says: /not built in/,
    yaml: `${JOB}    steps:\n      - uses: some/action@v1\n` },
  { name: 'container:', code: 'WORKFLOW_UNSUPPORTED', line: 5, column: 5, says: /containers cannot run here/,
    yaml: `${JOB}    container: node:24\n    steps: [{ run: "true" }]\n` },
  { name: 'services:', code: 'WORKFLOW_UNSUPPORTED', line: 5, column: 5, says: /service containers/,
    yaml: `${JOB}    services: { db: { image: postgres } }\n    steps: [{ run: "true" }]\n` },
  { name: 'a docker action', code: 'WORKFLOW_UNSUPPORTED', line: 5, column: 21, says: /container actions/,
    yaml: `${JOB}    steps: [{ uses: "docker://alpine" }]\n` },
  { name: 'an unsupported shell', code: 'WORKFLOW_UNSUPPORTED', line: 5, column: 35, says: /shell "pwsh"/,
    yaml: `${JOB}    steps: [{ run: "true", shell: pwsh }]\n` },
  { name: 'an unsupported default shell', code: 'WORKFLOW_UNSUPPORTED', line: 2, column: 27, says: /shell "python"/,
    yaml: 'on: push\ndefaults: { run: { shell: python } }\njobs:\n  a:\n    runs-on: self-hosted\n    steps: [{ run: "true" }]\n' },
  { name: 'an event that cannot trigger here', code: 'WORKFLOW_UNSUPPORTED', line: 1, column: 12, says: /pull_request/,
    yaml: 'on: [push, pull_request]\njobs:\n  a:\n    runs-on: self-hosted\n    steps: [{ run: "true" }]\n' },
  { name: 'a cycle in needs', code: 'WORKFLOW_NEEDS_CYCLE', line: 5, column: 12, says: /a → b → a/,
    yaml: `${JOB}    needs: b\n    steps: [{ run: "true" }]\n  b:\n    runs-on: self-hosted\n    needs: a\n    steps: [{ run: "true" }]\n  c:\n    runs-on: self-hosted\n    steps: [{ run: "true" }]\n` },
  { name: 'an unknown context', code: 'WORKFLOW_INVALID', line: 5, column: 21, says: /Unrecognized named-value: 'nosuch'/,
    yaml: `${JOB}    steps: [{ run: "\${{ nosuch.x }}" }]\n` },
  { name: 'a syntax error', code: 'WORKFLOW_INVALID', line: 4, column: 1, says: /Flow sequence/,
    yaml: 'on: push\njobs:\n  a: [\n' },
  { name: 'an unknown key', code: 'WORKFLOW_INVALID', line: 5, column: 5, says: /Unexpected value 'stepz'/,
    yaml: `${JOB}    stepz: []\n    steps: [{ run: "true" }]\n` },
  { name: 'a matrix of more than 256 jobs', code: 'WORKFLOW_MATRIX_TOO_LARGE', line: 3, column: 3, says: /makes 289 jobs; at most 256/,
    yaml: `${JOB}    strategy:\n      matrix:\n        a: [${Array.from({ length: 17 }, (_, i) => i).join(', ')}]\n        b: [${Array.from({ length: 17 }, (_, i) => i).join(', ')}]\n    steps: [{ run: "true" }]\n` },
  { name: 'an invalid cron schedule', code: 'WORKFLOW_INVALID', line: 3, column: 13, says: /Invalid cron expression/,
    yaml: "on:\n  schedule:\n    - cron: '61 * * * *'\njobs:\n  a:\n    runs-on: self-hosted\n    steps: [{ run: 'true' }]\n" },
  { name: 'a need that names no job', code: 'WORKFLOW_INVALID', line: 5, column: 12, says: /unknown job 'nope'/,
    yaml: `${JOB}    needs: nope\n    steps: [{ run: "true" }]\n  b:\n    runs-on: self-hosted\n    steps: [{ run: "true" }]\n` },
];

for (const row of refusals) {
  test(`refused at load: ${row.name}`, async () => {
    const got = await refused(row.yaml);
    assert.equal(got.code, row.code, got.message);
    assert.match(got.message, row.says);
    assert.equal(`${got.line}:${got.column}`, `${row.line}:${row.column}`, got.message);
    assert.ok(got.message.startsWith(`${FILE}:${row.line}:${row.column}`), got.message);
  });
}

test('a block scalar with expressions keeps YAML\'s value: no source indentation, heredocs intact', async () => {
  const workflow = await loadWorkflow(FILE, `on: push
jobs:
  a:
    runs-on: self-hosted
    steps:
      - run: |
          cat <<EOF
          \${{ github.sha }} {braces} 'quoted'
          EOF
`);
  const run = workflow.jobs[0]?.steps[0]?.action;
  assert.equal(run?.kind, 'run');
  assert.deepEqual(run.kind === 'run' ? run.run : undefined, { $expr: "format('cat <<EOF\n{0} {{braces}} ''quoted''\nEOF\n', github.sha)" });
});
