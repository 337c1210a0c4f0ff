import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { LiveObject } from '@trueup/api';
import { markedProcesses } from './process-marker.ts';
import { StateStore } from './state-store.ts';
import { hostObject, killProcesses, NODE, observe, processesWith, sandbox, waitFor, type Sandbox } from './testing.ts';

async function withToken(body: (box: Sandbox, token: string) => Promise<void>): Promise<void> {
  const box = await sandbox();
  const token = `grp-${randomBytes(6).toString('hex')}`;
  try {
    await body(box, token);
  } finally {
    await killProcesses(await processesWith(token));
    await box.cleanup();
  }
}

const fast = { duration: '100ms', factor: 2, maxDuration: '200ms' };

test('Service: a leader that forks and exits leaves no daemon behind across restarts, and delete stops what runs', async () => {
  await withToken(async (box, token) => {
    const forker = hostObject('Service', 'forker', { command: `${NODE} -e 'setInterval(() => {}, 1000)' ${token} & exit 0`, backoff: fast, stopTimeout: '1s' });
    const live = await observe(box.provider, forker);
    await box.provider.apply({ desired: forker, live, reason: 'create' });
    await waitFor(async () => ((await observe(box.provider, forker)).status?.restarts as number) >= 4, 10_000, 'four restarts');
    const left = await processesWith(token);
    assert.ok(left.length <= 1, `at most the daemon of the current run is alive, found ${left.length}`);
    await box.provider.delete(await observe(box.provider, forker));
    assert.deepEqual(await processesWith(token), [], 'delete stops what the last leader left');
  });
});

test('Service: what an exited leader left is stopped with stopSignal, then SIGKILL after stopTimeout, also under restart never', async () => {
  await withToken(async (box, token) => {
    const stubborn = `${NODE} -e "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)" ${token} & sleep 0.2; exit 0`;
    const once = hostObject('Service', 'once', { command: stubborn, restart: 'never', stopTimeout: '300ms' });
    const live = await observe(box.provider, once);
    await box.provider.apply({ desired: once, live, reason: 'create' });
    const ended: LiveObject = await waitFor(async () => {
      const now = await observe(box.provider, once);
      return now.status?.phase === 'stopped' ? now : undefined;
    }, 5000, 'leader exit');
    assert.equal(ended.status?.running, false);
    await waitFor(async () => (await processesWith(token)).length === 0, 8000, 'the SIGTERM-ignoring leftover killed');
  });
});

test('Service: a new agent stops a marked process of its state that no record follows (a duplicate), and keeps the recorded one', async () => {
  await withToken(async (box, token) => {
    const svc = hostObject('Service', 'svc', { command: [NODE, '-e', 'setInterval(() => {}, 1000)', token] });
    const live = await observe(box.provider, svc);
    await box.provider.apply({ desired: svc, live, reason: 'create' });
    const recorded = (await observe(box.provider, svc)).status?.pid as number;
    await box.provider.close();
    // A fake orphan: a process marked as launched for this Service by an earlier launch no record names.
    const stateId = new StateStore(box.stateDir, 'app').id;
    const orphan = spawn(NODE, ['-e', 'setInterval(() => {}, 1000)', token], { detached: true, stdio: 'ignore', env: { TRUEUP_SERVICE: `app/svc/${stateId}.0123456789abcdef` } });
    orphan.unref();
    await waitFor(async () => (await processesWith(token)).length === 2, 5000, 'the orphan runs');

    const agentB = box.reopen();
    const adopted = await observe(agentB, svc);
    assert.equal(adopted.status?.pid, recorded);
    assert.deepEqual(await processesWith(token), [recorded], 'the duplicate is stopped before the status is read');
  });
});

test('markedProcesses lists the Service processes of one state directory and application, for crash checks', async () => {
  await withToken(async (box, token) => {
    const svc = hostObject('Service', 'svc', { command: [NODE, '-e', 'setInterval(() => {}, 1000)', token] });
    await box.provider.apply({ desired: svc, live: await observe(box.provider, svc), reason: 'create' });
    const pid = (await observe(box.provider, svc)).status?.pid;
    const marked = await markedProcesses(box.stateDir, 'app', 'Service');
    assert.deepEqual(marked.map((proc) => [proc.name, proc.pid, proc.pgrp]), [['svc', pid, pid]]);
    assert.deepEqual(await markedProcesses(box.stateDir, 'other', 'Service'), []);
  });
});
