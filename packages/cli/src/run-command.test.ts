import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EXAMPLE_REPO, makeRepo, workflowRepo } from '@trueup/runner/testing';
import { trueup } from './cli-testing.ts';


test('trueup run runs the example workflow in the checkout and exits 0; a failing job makes it exit 1', async (t) => {
  const repo = makeRepo({}, EXAMPLE_REPO);
  t.after(repo.cleanup);
  const ok = await trueup(['run', 'ci'], process.env, { cwd: repo.dir });
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /build: ✓ success in [\d.]+s — outputs \{"version":"1\.0\.1"/);
  assert.match(ok.stdout, /verify \| greet said: hello, example/);
  assert.match(ok.stdout, /ci at [0-9a-f]{12}: ✓ success/);
  const only = await trueup(['run', '--event', 'workflow_dispatch', '--input', 'greeting=hi', '--job', 'verify'], process.env, { cwd: repo.dir });
  assert.equal(only.code, 0, only.stdout + only.stderr);
  assert.match(only.stdout, /greet said: hi, example/);
  const json = await trueup(['run', '-o', 'json', '--job', 'build'], process.env, { cwd: repo.dir });
  assert.equal(json.code, 0, json.stderr);
  const result = JSON.parse(json.stdout) as { conclusion: string; workflow: string; jobs: { id: string; conclusion: string; outputs: Record<string, string>; steps: { id: string }[] }[] };
  assert.equal(result.conclusion, 'success');
  assert.equal(result.workflow, '.trueup/workflows/ci.yml');
  assert.deepEqual(result.jobs.map((job) => `${job.id}:${job.conclusion}`).sort(), ['build:success', 'test:success', 'test:success']);
  assert.equal(result.jobs.find((job) => job.id === 'build')?.outputs.version, '1.0.1');
  assert.match(json.stderr, /build ▸ actions\/checkout@v4/, 'progress goes to stderr');
  writeFileSync(join(repo.dir, 'src/app.sh'), 'echo broken\n');
  const failed = await trueup(['run'], process.env, { cwd: repo.dir });
  assert.equal(failed.code, 1, failed.stdout + failed.stderr);
  assert.match(failed.stdout, /ci at [0-9a-f]{12} \(with uncommitted changes\): ✗ failure/);
});

test('trueup run refuses a workflow that cannot run, naming file:line:column, and bad inputs; exit 2', async (t) => {
  const repo = workflowRepo('on: push\njobs:\n  a:\n    runs-on: self-hosted\n    steps:\n      - uses: some/marketplace-action@v1\n');
  t.after(repo.cleanup);
  const refused = await trueup(['run'], process.env, { cwd: repo.dir });
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /\.trueup\/workflows\/test\.yml:6:15: action "some\/marketplace-action@v1" is not built in.*\[WORKFLOW_UNSUPPORTED\]/);
  const dispatch = await trueup(['run', '--event', 'workflow_dispatch'], process.env, { cwd: repo.dir });
  assert.equal(dispatch.code, 2);
  const example = makeRepo({}, EXAMPLE_REPO);
  t.after(example.cleanup);
  const badInput = await trueup(['run', '--event', 'workflow_dispatch', '--input', 'loud=maybe'], process.env, { cwd: example.dir });
  assert.equal(badInput.code, 2);
  assert.match(badInput.stderr, /input "loud" is a boolean.*\[WORKFLOW_INPUT_INVALID\]/);
  const outside = await trueup(['run'], process.env, { cwd: tmpdir() });
  assert.equal(outside.code, 2);
  assert.match(outside.stderr, /is not in a Git checkout.*\[RUNNER_NOT_A_CHECKOUT\]/);
  const missing = await trueup(['run', 'nosuch'], process.env, { cwd: example.dir });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no workflow "nosuch".*ci\.yml/);
});
