import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ApplicationStatus } from '@trueup/api';
import { agentFixture } from '../app-fixture.ts';
import { SERVICE_INVARIANTS, hostServicesScenario } from './host-services-scenario.ts';
import type { Violation } from './scenario.ts';

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
    const status = { resources: [{ kind: 'Service', name: 'svc-a', health: { status: 'Healthy' } }] } as unknown as ApplicationStatus;
    // No Service runs (no agent ran): each declared one counts 0 both ways, and svc-a reads Healthy.
    const expected = SERVICE_INVARIANTS.filter((name) => name !== 'not-converged');
    // The two live runs reach the report once the sampler has seen them (its pace is the machine's):
    // checked again until every invariant was reported, each check adding what it newly found.
    const violations: Violation[] = [];
    const found = new Set<string>();
    for (const deadline = Date.now() + 60_000; !expected.every((name) => found.has(name)) && Date.now() < deadline;) {
      const now = await scenario.checkConverged({ generation: 0, stateDir: fixture.stateDir, status, inventory: [] });
      violations.push(...now);
      for (const violation of now) found.add(violation.invariant);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const invariant of expected) assert.ok(found.has(invariant), `${invariant} not reported: ${JSON.stringify(violations)}`);
    assert.ok(violations.some((v) => v.invariant === 'command-runs-interleaved' && v.detail.includes('run 2 started while run 1')));
  } finally {
    for (const child of children) if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    await scenario.close?.();
    await fixture.cleanup();
  }
});
