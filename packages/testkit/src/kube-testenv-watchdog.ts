/**
 * Run as a detached process: `node kube-testenv-watchdog.ts DIR OWNER_PID --remove|--keep`.
 * Once process OWNER_PID is gone (a test run that ended, crashed or was killed), stops the test
 * environment in DIR and, with --remove, deletes the folder. Exits early when the environment
 * was stopped by someone else.
 */
import { rm } from 'node:fs/promises';
import { isRunning, processStartTime, sleep } from './kube-testenv-processes.ts';
import { readState, stopKubeTestEnv } from './kube-testenv-state.ts';

const [dir, ownerArg, mode] = process.argv.slice(2);
const owner = Number(ownerArg);
if (dir === undefined || !Number.isInteger(owner) || owner <= 0) {
  console.error('usage: kube-testenv-watchdog.ts DIR OWNER_PID --remove|--keep');
  process.exit(2);
}

// The owner as it is now: a pid recycled later does not count as the owner.
const ownerProcess = { pid: owner, startTime: processStartTime(owner) ?? '' };
for (let tick = 0; isRunning(ownerProcess); tick += 1) {
  await sleep(250);
  if (tick % 8 === 7) {
    const state = await readState(dir).catch(() => undefined);
    if (state === undefined || state.phase === 'stopped') process.exit(0);
  }
}
console.error(`${new Date().toISOString()} process ${owner} is gone: stopping the test environment in ${dir}`);
await stopKubeTestEnv(dir, { graceMs: 5_000 });
if (mode === '--remove') await rm(dir, { recursive: true, force: true });
