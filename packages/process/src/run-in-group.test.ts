/** The group runner, with real processes: output, exit codes, and the group killed on timeout, overflow and abort. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runInGroup, type GroupRun } from './run-in-group.ts';

const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };

function sh(script: string, extra: Partial<GroupRun> = {}): Promise<Awaited<ReturnType<typeof runInGroup>>> {
  return runInGroup({ command: '/bin/sh', args: ['-c', script], env, timeoutMs: 10_000, maxStdoutBytes: 1024, onStderr: () => undefined, ...extra });
}

test('stdout, stderr, the exit code and stdin', async () => {
  let stderr = '';
  const outcome = await sh('cat; echo said >&2; exit 3', { input: 'hello', onStderr: (chunk) => (stderr += chunk) });
  assert.equal(outcome.kind, 'exited');
  assert.equal(outcome.kind === 'exited' && outcome.stdout.toString(), 'hello');
  assert.equal(outcome.kind === 'exited' && outcome.code, 3);
  assert.equal(stderr, 'said\n');
});

test('a timeout kills the whole group, a child of the process included', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-group-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const marker = join(dir, 'grandchild-ran');
  const outcome = await sh(`(sleep 1; touch ${marker}) & sleep 30`, { timeoutMs: 200 });
  assert.deepEqual(outcome, { kind: 'timed-out' });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(existsSync(marker), false, 'the background child was killed with the group');
});

test('too much output ends it; a missing command is not-started; an abort rejects with its reason', async () => {
  assert.deepEqual(await sh('yes'), { kind: 'too-much-output' });
  const missing = await runInGroup({ command: 'trueup-no-such-command', args: [], env, timeoutMs: 1000, maxStdoutBytes: 10, onStderr: () => undefined });
  assert.equal(missing.kind === 'not-started' && missing.error.code, 'ENOENT');
  const controller = new AbortController();
  const running = sh('sleep 30', { signal: controller.signal });
  controller.abort(new Error('pass cancelled'));
  await assert.rejects(running, /pass cancelled/);
});
