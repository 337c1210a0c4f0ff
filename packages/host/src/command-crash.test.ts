import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { readProcStat } from './proc-stat.ts';
import { apply, hostObject, observe, providerProcess, sandbox, sleep, waitFor } from './testing.ts';

const lines = async (file: string): Promise<string[]> => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter((line) => line !== '');

/** Each run writes `start <pid>` then `end <pid>`; runs that never overlap give start/end pairs in order. */
function assertNoOverlap(log: string[]): void {
  assert.equal(log.length % 2, 0, `every run ended: ${log.join(', ')}`);
  for (let i = 0; i < log.length; i += 2) {
    const [start, end] = [log[i] ?? '', log[i + 1] ?? ''];
    assert.ok(start.startsWith('start ') && end === `end ${start.slice('start '.length)}`, `runs overlapped: ${log.join(', ')}`);
  }
}

for (const [what, crashAtSpawn] of [
  ['during the run (a real SIGKILL from outside)', undefined],
  ['right after the spawn, before its pid is recorded (fault hook)', 1],
] as const) {
  test(`Command: after the agent is killed ${what}, the next agent never runs it alongside the orphan`, async () => {
    const box = await sandbox();
    try {
      const log = join(box.root, 'runs.log');
      // A run waits at a gate the test opens, so the orphan is still running for as long as the test needs, however slow the machine.
      // It prints after the kill: its output must not go to a pipe the dead agent held (SIGPIPE would end it).
      const spec = { run: 'echo "start $$" >> "$TRUEUP_ROOT/runs.log"; until [ -e "$TRUEUP_ROOT/gate" ]; do sleep 0.05; done; echo progress; echo oops >&2; echo "end $$" >> "$TRUEUP_ROOT/runs.log"' };
      const agentA = providerProcess({ root: box.root, stateDir: box.stateDir, application: 'app', steps: [{ kind: 'Command', name: 'migrate', spec }], ...(crashAtSpawn === undefined ? {} : { crashAtSpawn }) });
      await waitFor(async () => (await lines(log)).length === 1 || undefined, 10_000, 'the first run started');
      if (crashAtSpawn === undefined) agentA.child.kill('SIGKILL');
      assert.equal((await agentA.ended).signal, 'SIGKILL');
      assert.deepEqual((await lines(log)).map((line) => line.split(' ')[0]), ['start'], 'the orphan still runs');

      const agentB = box.reopen();
      const applying = apply(agentB, hostObject('Command', 'migrate', spec));
      // While the orphan is held at the gate, a second run started alongside it would log its start
      // within this window; on a slow machine the window only catches less, it never fails a correct agent.
      await Promise.race([applying, sleep(500)]);
      assert.deepEqual((await lines(log)).map((line) => line.split(' ')[0]), ['start'], 'nothing run alongside the orphan');
      await writeFile(join(box.root, 'gate'), '');
      const live = await applying;
      assert.ok(live.manifest !== undefined, 'in sync after the second run');
      const log2 = await lines(log);
      assert.equal(log2.length, 4, `two runs: ${log2.join(', ')}`);
      assertNoOverlap(log2);
    } finally {
      await box.cleanup();
    }
  });
}

test('Command: an orphan run that made its guard true is waited for and not run again; one past its timeout is killed first', async () => {
  const box = await sandbox();
  try {
    const log = join(box.root, 'runs.log');
    const guarded = { run: 'echo "start $$" >> "$TRUEUP_ROOT/runs.log"; sleep 1; touch "$TRUEUP_ROOT/done"; echo "end $$" >> "$TRUEUP_ROOT/runs.log"', creates: '/done' };
    const agentA = providerProcess({ root: box.root, stateDir: box.stateDir, application: 'app', steps: [{ kind: 'Command', name: 'once', spec: guarded }] });
    await waitFor(async () => (await lines(log)).length === 1 || undefined, 10_000, 'the first run started');
    agentA.child.kill('SIGKILL');
    await agentA.ended;
    const agentB = box.reopen();
    await apply(agentB, hostObject('Command', 'once', guarded), 'create');
    assert.equal((await lines(log)).length, 2, 'the orphan ended and the command did not run again');

    // The timeout leaves the second run time to log its start before it is killed, even on a loaded machine.
    const slow = { run: 'echo "start $$" >> "$TRUEUP_ROOT/slow.log"; sleep 30; echo "end $$" >> "$TRUEUP_ROOT/slow.log"', timeout: '3s' };
    const slowLog = join(box.root, 'slow.log');
    const agentC = providerProcess({ root: box.root, stateDir: box.stateDir, application: 'app', steps: [{ kind: 'Command', name: 'slow', spec: slow }] });
    await waitFor(async () => (await lines(slowLog)).length === 1 || undefined, 10_000, 'the slow run started');
    agentC.child.kill('SIGKILL');
    await agentC.ended;
    const orphanPid = Number((await lines(slowLog))[0]?.split(' ')[1]);
    const agentD = box.reopen();
    const desired = hostObject('Command', 'slow', slow);
    const live = await observe(agentD, desired);
    await assert.rejects(agentD.apply({ desired, live, reason: 'create' }), (error: Error) => isTrueupError(error) && error.code === 'HOST_COMMAND_FAILED' && /timed out/.test(error.message));
    assert.equal((await readProcStat(orphanPid)) === undefined || (await readProcStat(orphanPid))?.state === 'Z', true, 'the orphan was killed at the end of its timeout');
    assert.deepEqual((await lines(slowLog)).map((line) => line.split(' ')[0]), ['start', 'start'], 'the second run started after the first was killed');
  } finally {
    await box.cleanup();
  }
});
