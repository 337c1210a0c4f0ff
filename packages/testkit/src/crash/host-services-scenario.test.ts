import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ApplicationStatus } from '@trueup/api';
import { agentFixture } from '../app-fixture.ts';
import { SERVICE_INVARIANTS, hostServicesScenario } from './host-services-scenario.ts';

test('the services scenario reports each of its invariants when it is broken', async () => {
  const fixture = await agentFixture({ files: { 'README.md': 'checks\n' } });
  const scenario = hostServicesScenario(fixture);
  const children: ChildProcess[] = [];
  try {
    scenario.commit(0);
    // Two live runs of Command `job`, marked as the host provider marks them (its state id is the hash of its folder).
    const stateId = createHash('sha256').update(join(fixture.stateDir, 'apps', 'test', 'host', 'test')).digest('hex').slice(0, 12);
    for (const nonce of ['a1', 'b2']) {
      children.push(spawn('/bin/sh', ['-c', 'sleep 30'], { detached: true, stdio: 'ignore', env: { ...process.env, TRUEUP_COMMAND: `test/job/${stateId}.${nonce}` } }));
    }
    await mkdir(join(fixture.root, 'var'), { recursive: true });
    await writeFile(join(fixture.root, 'var/commands.log'), 'start job 1\nstart job 2\nend job 1\nend job 2\n');
    await new Promise((resolve) => setTimeout(resolve, 500)); // the sampler's turn
    const status = { resources: [{ kind: 'Service', name: 'svc-a', health: { status: 'Healthy' } }] } as unknown as ApplicationStatus;
    const violations = await scenario.checkConverged({ generation: 0, stateDir: fixture.stateDir, status, inventory: [] });
    const found = new Set(violations.map((v) => v.invariant));
    // No Service runs (no agent ran): each declared one counts 0 both ways, and svc-a reads Healthy.
    for (const invariant of SERVICE_INVARIANTS.filter((name) => name !== 'not-converged')) assert.ok(found.has(invariant), `${invariant} not reported: ${JSON.stringify(violations)}`);
    assert.ok(violations.some((v) => v.invariant === 'command-runs-interleaved' && v.detail.includes('run 2 started while run 1')));
  } finally {
    for (const child of children) if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    await scenario.close?.();
    await fixture.cleanup();
  }
});
