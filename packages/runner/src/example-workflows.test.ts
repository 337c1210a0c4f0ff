import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXAMPLE_REPO, gitIn, makeRepo, recordRun } from './testing.ts';

test('the example workflow tests, builds an artefact and passes outputs between jobs', async (t) => {
  const repo = makeRepo({}, EXAMPLE_REPO);
  t.after(repo.cleanup);
  const recorded = await recordRun({ repoDir: repo.dir, event: 'push', inputs: {} });
  const { result } = recorded.run;
  assert.equal(result.conclusion, 'success', [...recorded.logs.values()].join('\n'));
  assert.deepEqual(result.jobs.map((job) => `${job.name}:${job.conclusion}`).sort(), ['build:success', 'test (bash):success', 'test (sh):success', 'verify:success']);
  const build = result.jobs.find((job) => job.id === 'build');
  assert.equal(build?.outputs.version, '1.0.1');
  assert.match(build?.outputs.digest ?? '', /^[0-9a-f]{64}$/);
  assert.match(build?.result?.summary ?? '', /### built example 1\.0\.1/);
  const verify = result.jobs.find((job) => job.id === 'verify');
  assert.deepEqual(verify?.result?.steps.find((s) => s.id === 'greet')?.outputs, { message: 'hello, example' });
  assert.deepEqual(verify?.result?.steps.find((s) => s.id === 'stamp')?.outputs, { length: '14' });
  assert.match(recorded.logs.get('verify') ?? '', /stamped: hello, example/);
  assert.equal(recorded.run.sha, gitIn(repo.dir, 'rev-parse', 'HEAD'));
  assert.equal(recorded.run.dirty, false);
});

test('dispatch inputs reach the jobs; uncommitted changes are part of the run, the work tree untouched', async (t) => {
  const repo = makeRepo({}, EXAMPLE_REPO);
  t.after(repo.cleanup);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(`${repo.dir}/src/app.sh`, '#!/bin/sh\necho "example app running"\n# edited, not committed\n');
  const recorded = await recordRun({ repoDir: repo.dir, event: 'workflow_dispatch', inputs: { greeting: 'ahoy' }, jobs: ['verify'] });
  assert.equal(recorded.run.result.conclusion, 'success', [...recorded.logs.values()].join('\n'));
  assert.equal(recorded.run.dirty, true);
  assert.notEqual(recorded.run.sha, gitIn(repo.dir, 'rev-parse', 'HEAD'));
  assert.equal(gitIn(repo.dir, 'status', '--porcelain'), 'M src/app.sh');
  const verify = recorded.run.result.jobs.find((job) => job.id === 'verify');
  assert.deepEqual(verify?.result?.steps.find((s) => s.id === 'greet')?.outputs, { message: 'ahoy, example' });
});

test('a failing test job stops the jobs that need it; the run fails', async (t) => {
  const repo = makeRepo({ 'src/app.sh': '#!/bin/sh\necho broken\n' }, EXAMPLE_REPO);
  t.after(repo.cleanup);
  const recorded = await recordRun({ repoDir: repo.dir, event: 'push', inputs: {} });
  assert.equal(recorded.run.result.conclusion, 'failure');
  assert.deepEqual(recorded.skipped.sort(), ['build', 'verify']);
  // Both matrix jobs fail the test; fail-fast may cancel the slower one first.
  assert.match([...recorded.logs.values()].join('\n'), /unexpected output: broken/);
});
