import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { reapOrphans } from './processes.ts';
import { removeStaleRunDirs } from './local-run.ts';
import { readdir, readFile } from 'node:fs/promises';
import { diesWithin, isAlive, recordRun, stepOutcomes, workflowRepo } from './testing.ts';

/** Isolation off, so a step can leave a pid file where the test reads it. */
const NONE = { kind: 'none', reason: 'test' } as const;

test('a daemon a step forks and leaves behind is killed with the job, even one that left the process group', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'trueup-pids-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const repo = workflowRepo(`on: push
jobs:
  a:
    runs-on: self-hosted
    steps:
      - run: |
          sleep 300 &
          echo $! > ${out}/grouped
          setsid sleep 301 > /dev/null 2>&1 < /dev/null &
          sleep 0.2
          pgrep -f "sleep 301" > ${out}/escaped
      - run: kill -0 "$(cat ${out}/grouped)"
`);
  t.after(repo.cleanup);
  const recorded = await recordRun({ repoDir: repo.dir, event: 'push', inputs: {}, isolation: NONE });
  assert.equal(recorded.run.result.conclusion, 'success', recorded.logs.get('a'));
  const pids = [readFileSync(join(out, 'grouped'), 'utf8'), ...readFileSync(join(out, 'escaped'), 'utf8').split('\n')].map(Number).filter((pid) => pid > 0);
  assert.ok(pids.length >= 2, 'both daemons started');
  for (const pid of pids) assert.ok(await diesWithin(pid), `pid ${pid} outlived the job`);
  assert.match(recorded.logs.get('a') ?? '', /killed \d+ process\(es\) the job left running/);
});

test('a job over its timeout is failed and its processes killed', async (t) => {
  const repo = workflowRepo(`on: push
jobs:
  slow:
    runs-on: self-hosted
    timeout-minutes: 0.02
    steps:
      - run: sleep 120
      - if: always()
        run: echo cleanup after the timeout
`);
  t.after(repo.cleanup);
  const started = Date.now();
  const recorded = await recordRun({ repoDir: repo.dir, event: 'push', inputs: {} });
  assert.ok(Date.now() - started < 60_000, 'the job did not wait for its step');
  assert.equal(recorded.run.result.conclusion, 'failure');
  assert.match(recorded.logs.get('slow') ?? '', /ran past its timeout of 0\.02 minutes/);
  assert.deepEqual(stepOutcomes(recorded, 'slow'), ['__1:failure', '__2:success']);
  assert.match(recorded.logs.get('slow') ?? '', /cleanup after the timeout/);
});

test('a step over its own timeout fails; the job goes on with steps that run on failure', async (t) => {
  const repo = workflowRepo(`on: push
jobs:
  a:
    runs-on: self-hosted
    steps:
      - run: sleep 120
        timeout-minutes: 0.01
      - run: echo skipped
      - if: failure()
        run: echo cleanup ran
`);
  t.after(repo.cleanup);
  const recorded = await recordRun({ repoDir: repo.dir, event: 'push', inputs: {} });
  assert.equal(recorded.run.result.conclusion, 'failure');
  assert.deepEqual(stepOutcomes(recorded, 'a'), ['__1:failure', '__2:skipped', '__3:success']);
  assert.match(recorded.logs.get('a') ?? '', /cleanup ran/);
});

test('cancelling a run kills its steps and ends it cancelled; steps that ask to run on cancel run, within a grace period', async (t) => {
  const repo = workflowRepo(`on: push
jobs:
  a:
    runs-on: self-hosted
    steps:
      - run: echo started; sleep 120
      - run: echo not after a cancel
      - if: cancelled()
        run: echo cleaning up
      - if: always()
        run: sleep 120
`);
  t.after(repo.cleanup);
  const controller = new AbortController();
  const started = Date.now();
  const pending = recordRun({ repoDir: repo.dir, event: 'push', inputs: {}, signal: controller.signal, cleanupGraceMs: 2000 });
  setTimeout(() => controller.abort(), 1500);
  const recorded = await pending;
  assert.ok(Date.now() - started < 60_000);
  assert.equal(recorded.run.result.conclusion, 'cancelled');
  assert.deepEqual(stepOutcomes(recorded, 'a'), ['__1:cancelled', '__2:cancelled', '__3:success', '__4:cancelled']);
  assert.match(recorded.logs.get('a') ?? '', /cleaning up/);
  assert.match(recorded.logs.get('a') ?? '', /ran past the grace period/);
});

test('processes of a runner killed with kill -9 mid-job are found by their tracking id and reaped', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'trueup-orphans-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const repo = workflowRepo(`on: push
jobs:
  a:
    runs-on: self-hosted
    steps:
      - run: |
          setsid sleep 302 > /dev/null 2>&1 < /dev/null &
          echo $! > ${out}/pids.tmp
          sleep 300 &
          echo $! >> ${out}/pids.tmp
          mv ${out}/pids.tmp ${out}/pids
          sleep 120
`);
  t.after(repo.cleanup);
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'testdata', 'run-local.ts'), repo.dir, '--no-isolation'], { stdio: 'ignore' });
  t.after(() => { child.kill('SIGKILL'); });
  const pidsFile = join(out, 'pids');
  for (let i = 0; i < 300 && !existsSync(pidsFile); i++) await sleep(100);
  const pids = readFileSync(pidsFile, 'utf8').split('\n').map(Number).filter((pid) => pid > 0);
  assert.ok(pids.length >= 2, 'the daemons started');
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('close', resolve));
  // Checked at once: another run starting meanwhile (a parallel test file) would reap them too.
  assert.ok(pids.some(isAlive), 'a daemon outlived the killed runner (else this test proves nothing)');
  const ownedByKilled = async (): Promise<string[]> => {
    const dirs = (await readdir(tmpdir())).filter((name) => name.startsWith('trueup-run-'));
    const owners = await Promise.all(dirs.map(async (name) => (await readFile(join(tmpdir(), name, 'owner'), 'utf8').catch(() => '')).split('.')[0]));
    return dirs.filter((_, i) => owners[i] === String(child.pid));
  };
  assert.equal((await ownedByKilled()).length, 1, 'the killed runner left its run folder');
  // (A run starting in a parallel test file may have reaped them already.) Up to three sweeps, as
  // three runs starting would make: a daemon forked while /proc was being listed is found by the next.
  for (let sweep = 0; sweep < 3 && pids.some(isAlive); sweep++) {
    await reapOrphans();
    await Promise.all(pids.map((pid) => diesWithin(pid, 2000)));
  }
  for (const pid of pids) assert.ok(await diesWithin(pid), `pid ${pid} still runs: ${describeProcess(pid)}`);
  await removeStaleRunDirs(tmpdir());
  assert.deepEqual(await ownedByKilled(), [], 'the next run removes it');
});

test('a forced cancel (a second Ctrl-C) stops the steps that run after a cancel too', async (t) => {
  const repo = workflowRepo(`on: push
jobs:
  a:
    runs-on: self-hosted
    steps:
      - run: sleep 120
      - if: always()
        run: echo cleanup started; sleep 120
`);
  t.after(repo.cleanup);
  const cancel = new AbortController();
  const force = new AbortController();
  const started = Date.now();
  const pending = recordRun({ repoDir: repo.dir, event: 'push', inputs: {}, signal: cancel.signal, forceSignal: force.signal, cleanupGraceMs: 600_000 });
  setTimeout(() => cancel.abort(), 1000);
  setTimeout(() => force.abort(), 2500);
  const recorded = await pending;
  assert.ok(Date.now() - started < 60_000, 'the grace period was cut short');
  assert.deepEqual(stepOutcomes(recorded, 'a'), ['__1:cancelled', '__2:cancelled']);
  assert.match(recorded.logs.get('a') ?? '', /cleanup started/);
});

/** A process's command line and tracking entry, for a failure message. */
function describeProcess(pid: number): string {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    const tracking = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').filter((entry) => entry.startsWith('TRUEUP_')).join(' ');
    return `${cmdline} [${tracking}]`;
  } catch {
    return 'gone';
  }
}
