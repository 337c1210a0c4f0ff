import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { hostManifest, runningAgent } from '@trueup/testkit';
import { startAgent } from './agent.ts';
import { runOnce } from './run-once.ts';
import { lockStateDir } from './state-lock.ts';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-lock-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const locked = (pattern: RegExp) => (error: unknown) => isTrueupError(error) && error.code === 'AGENT_STATE_DIR_LOCKED' && pattern.test(error.message);

test('one holder at a time; the refusal names the holder; released, the lock is free again', async (t) => {
  const dir = await tempDir(t);
  const first = lockStateDir(dir, 'agent');
  assert.throws(() => lockStateDir(dir, 'sync'), locked(new RegExp(`trueup agent \\(pid ${process.pid}, since .*\\).*trueup refresh APP --state-dir ${dir}`)));
  first.release();
  lockStateDir(dir, 'sync').release();
});

test('a holder killed with SIGKILL leaves no stale lock; one that drops the handle keeps it', async (t) => {
  const dir = await tempDir(t);
  // The holder drops the lock's handle and collects garbage: the lock must outlive both.
  const holder = spawn(process.execPath, ['--expose-gc', '-e', `require(${JSON.stringify(join(import.meta.dirname, 'state-lock.ts'))}).lockStateDir(${JSON.stringify(dir)}, 'agent'); gc(); console.log('held'); setInterval(() => {}, 1000)`], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => void holder.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    holder.stdout.once('data', () => resolve());
    holder.once('exit', (code) => reject(new Error(`the holder exited with ${String(code)}`)));
  });
  assert.throws(() => lockStateDir(dir, 'sync'), locked(new RegExp(`pid ${holder.pid ?? 0}\\b`)));
  const exited = new Promise((resolve) => holder.once('exit', resolve));
  holder.kill('SIGKILL');
  await exited;
  lockStateDir(dir, 'agent').release();
});

test('a second agent, or a sync, on the state dir of a running agent is refused and changes nothing', async (t) => {
  const files = { 'app/motd.yaml': hostManifest('File', 'motd', { path: '/etc/motd', content: 'hello\n' }) };
  const { fixture } = await runningAgent(t, { files });
  await assert.rejects(startAgent({ stateDir: fixture.stateDir, paths: [fixture.appFile] }), locked(/trueup agent \(pid \d+/));
  await assert.rejects(runOnce({ stateDir: fixture.stateDir, paths: [fixture.appFile], mode: 'apply' }), locked(/trueup agent \(pid \d+/));
  await assert.rejects(runOnce({ stateDir: fixture.stateDir, paths: [fixture.appFile], mode: 'detect' }), locked(/trueup agent/));
});
