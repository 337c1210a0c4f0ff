import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { probeIsolation } from './isolation.ts';
import { recordRun, stepOutcomes, workflowRepo } from './testing.ts';

test('steps get a clean environment: nothing of the runner\'s own, only what the workflow defines', async (t) => {
  process.env.TRUEUP_TEST_RUNNER_ONLY = 'runner-private';
  t.after(() => { delete process.env.TRUEUP_TEST_RUNNER_ONLY; });
  const repo = workflowRepo(`on: push
env: { LEVEL: workflow, KEEP: w }
jobs:
  a:
    runs-on: self-hosted
    env: { LEVEL: job }
    steps:
      - run: |
          test -z "\${TRUEUP_TEST_RUNNER_ONLY:-}" || { echo "leaked: $TRUEUP_TEST_RUNNER_ONLY"; exit 1; }
          test "$LEVEL" = step && test "$KEEP" = w && test "$CI" = true
          test "$GITHUB_WORKSPACE" = "$PWD" && test "$HOME" != "/root"
        env: { LEVEL: step }
`);
  t.after(repo.cleanup);
  const recorded = await recordRun({ repoDir: repo.dir, event: 'push', inputs: {} });
  assert.equal(recorded.run.result.conclusion, 'success', recorded.logs.get('a'));
});

test('$GITHUB_ENV, $GITHUB_PATH, step outputs, continue-on-error and status functions', async (t) => {
  const repo = workflowRepo(`on: push
jobs:
  a:
    runs-on: self-hosted
    steps:
      - id: one
        run: |
          echo "plain=1" >> "$GITHUB_OUTPUT"
          { echo "multi<<END"; echo "line one"; echo "line two"; echo "END"; } >> "$GITHUB_OUTPUT"
          echo "FROM_ENV=set by one" >> "$GITHUB_ENV"
          mkdir -p "$HOME/bin" && printf '#!/bin/sh\\necho tool ran\\n' > "$HOME/bin/mytool" && chmod +x "$HOME/bin/mytool"
          echo "$HOME/bin" >> "$GITHUB_PATH"
      - run: |
          test "$FROM_ENV" = "set by one"
          mytool
          test "\${{ steps.one.outputs.multi }}" = "$(printf 'line one\\nline two')"
      - id: bad
        continue-on-error: true
        run: exit 3
      - if: steps.bad.outcome == 'failure' && steps.bad.conclusion == 'success' && success()
        run: echo continue-on-error kept the job green
      - run: exit 1
      - run: echo not reached
      - if: failure()
        run: echo on failure
      - if: always()
        run: echo always
`);
  t.after(repo.cleanup);
  const recorded = await recordRun({ repoDir: repo.dir, event: 'push', inputs: {} });
  const log = recorded.logs.get('a') ?? '';
  assert.equal(recorded.run.result.conclusion, 'failure');
  assert.deepEqual(stepOutcomes(recorded, 'a'), ['one:success', '__2:success', 'bad:success', '__4:success', '__5:failure', '__6:skipped', '__7:success', '__8:success']);
  assert.match(log, /tool ran/);
  assert.match(log, /continue-on-error kept the job green/);
  const steps = recorded.run.result.jobs[0]?.result?.steps;
  assert.deepEqual(steps?.find((s) => s.id === 'one')?.outputs, { plain: '1', multi: 'line one\nline two' });
  assert.equal(steps?.find((s) => s.id === 'bad')?.outcome, 'failure');
});

test('each job gets a fresh workspace; a run asked for a branch its filters leave out says so', async (t) => {
  const repo = workflowRepo(`on:
  push: { branches: [release] }
jobs:
  first:
    runs-on: self-hosted
    steps:
      - run: echo left-over > junk.txt
  second:
    needs: first
    runs-on: self-hosted
    steps:
      - run: test ! -e junk.txt && test -z "$(ls -A)"
`);
  t.after(repo.cleanup);
  const recorded = await recordRun({ repoDir: repo.dir, event: 'push', inputs: {} });
  assert.equal(recorded.run.result.conclusion, 'success', recorded.logs.get('second'));
  assert.deepEqual(recorded.notes, ['.trueup/workflows/test.yml: its push filters do not select refs/heads/main, so a push would not start it; running it as asked']);
});

test('with bubblewrap the host is read-only to a step; the job log says which isolation applies', async (t) => {
  const outside = mkdtempSync(join(tmpdir(), 'trueup-outside-'));
  t.after(() => rmSync(outside, { recursive: true, force: true }));
  const repo = workflowRepo(`on: push
jobs:
  a:
    runs-on: self-hosted
    steps:
      - run: |
          if touch ${outside}/escaped 2>/dev/null; then echo "host writable"; else echo "host read-only"; fi
          touch "$RUNNER_TEMP/ok" "$GITHUB_WORKSPACE/ok"
`);
  t.after(repo.cleanup);
  const isolation = probeIsolation();
  if (process.env.CI === 'true') assert.equal(isolation.kind, 'bubblewrap', 'scripts/provision-tests.sh installs bubblewrap');
  const recorded = await recordRun({ repoDir: repo.dir, event: 'push', inputs: {} });
  const log = recorded.logs.get('a') ?? '';
  assert.equal(recorded.run.result.conclusion, 'success', log);
  if (isolation.kind === 'bubblewrap') {
    assert.match(log, /isolation: bubblewrap/);
    assert.match(log, /host read-only/);
    assert.equal(existsSync(join(outside, 'escaped')), false);
  }
  const without = await recordRun({ repoDir: repo.dir, event: 'push', inputs: {}, isolation: { kind: 'none', reason: 'bubblewrap is not installed (Debian package "bubblewrap")' } });
  const plain = without.logs.get('a') ?? '';
  assert.match(plain, /isolation: none \(bubblewrap is not installed/);
  assert.match(plain, /host writable/);
  assert.equal(readFileSync(join(outside, 'escaped'), 'utf8'), '');
});

test('matrix: fail-fast cancels the other jobs of the matrix; max-parallel runs them one at a time', async (t) => {
  const shared = mkdtempSync(join(tmpdir(), 'trueup-matrix-'));
  t.after(() => rmSync(shared, { recursive: true, force: true }));
  const repo = workflowRepo(`on: push
jobs:
  fast:
    runs-on: self-hosted
    strategy:
      matrix: { n: [1, 2, 3] }
    steps:
      - run: |
          if [ "\${{ matrix.n }}" = 1 ]; then exit 1; fi
          sleep 30
  serial:
    runs-on: self-hosted
    strategy:
      max-parallel: 1
      fail-fast: false
      matrix: { n: [1, 2, 3] }
    steps:
      - run: |
          mkdir ${shared}/lock || { echo "two ran at once"; exit 1; }
          sleep 0.3
          rmdir ${shared}/lock
`);
  t.after(repo.cleanup);
  const started = Date.now();
  const recorded = await recordRun({ repoDir: repo.dir, event: 'push', inputs: {}, parallelJobs: 4, isolation: { kind: 'none', reason: 'the test shares a folder between jobs' } });
  assert.ok(Date.now() - started < 25_000, 'fail-fast did not wait for the sleeping jobs');
  const byName = Object.fromEntries(recorded.run.result.jobs.map((job) => [job.name, job.conclusion]));
  assert.deepEqual(byName, {
    'fast (1)': 'failure', 'fast (2)': 'cancelled', 'fast (3)': 'cancelled',
    'serial (1)': 'success', 'serial (2)': 'success', 'serial (3)': 'success',
  });
});
