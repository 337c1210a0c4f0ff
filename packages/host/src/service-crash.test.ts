import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import type { LiveObject, Provider } from '@trueup/api';
import { hostObject, killProcesses, NODE, observe, processesWith, providerProcess, sandbox, sleep, waitFor } from './testing.ts';

const serviceSpec = (token: string, gen: string): Record<string, unknown> => ({
  command: [NODE, '-e', 'setInterval(() => {}, 1000)', token],
  env: { GEN: gen },
  backoff: { duration: '100ms', factor: 2, maxDuration: '1s' },
});

/** What the engine does for one Service: apply only when the live spec differs or it is absent. */
async function converge(provider: Provider, desired: ReturnType<typeof hostObject>): Promise<LiveObject> {
  const live = await observe(provider, desired);
  if (live.manifest !== undefined && isDeepStrictEqual(live.manifest.spec, desired.manifest.spec)) return live;
  await provider.apply({ desired, live, reason: live.manifest === undefined ? 'create' : 'update' });
  return observe(provider, desired);
}

for (const [what, gens] of [
  ['its first start', ['1']],
  ['a restart for a changed spec', ['1', '2']],
] as const) {
  test(`Service: SIGKILL of the agent between spawning ${what} and recording it leaves one process, adopted by the next agent`, async () => {
    const box = await sandbox();
    const token = `svc-${randomBytes(6).toString('hex')}`;
    try {
      const pidFile = join(box.stateDir, 'spawned.pid');
      const steps = gens.map((gen) => ({ kind: 'Service' as const, name: 'svc', spec: serviceSpec(token, gen) }));
      // Fault hook (a fake placing the kill exactly in the window): the agent kills itself after the last spawn.
      const agentA = providerProcess({ root: box.root, stateDir: box.stateDir, application: 'app', steps, crashAtSpawn: gens.length, pidFile });
      assert.equal((await agentA.ended).signal, 'SIGKILL');
      const orphan = Number(await readFile(pidFile, 'utf8'));

      const agentB = box.reopen();
      const desired = hostObject('Service', 'svc', serviceSpec(token, gens.at(-1) ?? '1'));
      const live = await converge(agentB, desired);
      assert.equal(live.status?.running, true);
      await sleep(500); // a restart policy acting late would show here
      const again = await converge(agentB, desired);
      assert.deepEqual(await processesWith(token), [again.status?.pid], 'exactly one process for the Service');
      assert.equal(again.status?.pid, orphan, 'the process started before the kill is adopted, not duplicated');
      const record = JSON.parse(await readFile(join(box.stateDir, 'host/app/services/svc.json'), 'utf8')) as { pid?: number; phase?: string };
      assert.equal(record.pid, orphan, 'and recorded at once');
      await agentB.delete(again);
      await waitFor(async () => (await processesWith(token)).length === 0, 5000, 'no process left after delete');
    } finally {
      await killProcesses(await processesWith(token));
      await box.cleanup();
    }
  });
}

for (const [what, removed] of [
  ['a removed Service leaves it stopped: the next agent does not start it again', true],
  ['a Service to restart it has the next agent start it', false],
] as const) {
  test(`Service: an agent killed while stopping ${what}`, async () => {
    const box = await sandbox();
    const token = `svc-${randomBytes(6).toString('hex')}`;
    try {
      const termFile = join(box.root, 'got-term');
      const readyFile = join(box.root, 'ready');
      const slowStop = `process.on('SIGTERM', () => { require('fs').writeFileSync(${JSON.stringify(termFile)}, ''); setTimeout(() => process.exit(0), 800); }); require('fs').writeFileSync(${JSON.stringify(readyFile)}, ''); setInterval(() => {}, 1000)`;
      const spec = (gen: string): Record<string, unknown> => ({ command: [NODE, '-e', slowStop, token], env: { GEN: gen }, stopTimeout: '10s' });
      const second = removed ? { kind: 'Service' as const, name: 'svc', spec: spec('1'), remove: true, after: readyFile } : { kind: 'Service' as const, name: 'svc', spec: spec('2'), after: readyFile };
      const agentA = providerProcess({ root: box.root, stateDir: box.stateDir, application: 'app', steps: [{ kind: 'Service', name: 'svc', spec: spec('1') }, second] });
      await waitFor(async () => await readFile(termFile).then(() => true, () => undefined), 10_000, 'the stop began');
      agentA.child.kill('SIGKILL');
      await agentA.ended;
      await waitFor(async () => (await processesWith(token)).filter((pid) => pid !== agentA.child.pid).length === 0, 5000, 'the service ended on its own');

      const agentB = box.reopen();
      const live = await observe(agentB, hostObject('Service', 'svc', spec('1')));
      await sleep(300);
      const running = await processesWith(token);
      if (removed) {
        assert.equal(live.status?.phase, 'stopped');
        assert.deepEqual(running, [], 'not started again');
      } else {
        assert.equal(live.status?.running, true);
        assert.deepEqual(running, [live.status?.pid], 'started again, once');
      }
    } finally {
      await killProcesses(await processesWith(token));
      await box.cleanup();
    }
  });
}
