import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostManifest, runningAgent } from '@trueup/testkit';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('a Service removed from Git is stopped gracefully; a config change restarts the one that names it', async (t) => {
  const service = (name: string) => hostManifest('Service', name, { command: ['/bin/sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done'], onChange: ['File/conf'] });
  const { fixture, agent } = await runningAgent(t, { files: { 'app/app.yaml': hostManifest('File', 'conf', { path: '/etc/app.conf', content: 'a\n' }) + service('keep') + service('drop') } });
  const pidOf = async (name: string) => (JSON.parse(await readFile(join(fixture.stateDir, 'apps', 'test', 'host', 'test', 'services', `${name}.json`), 'utf8')) as { pid: number }).pid;
  const keep = await pidOf('keep');
  const drop = await pidOf('drop');
  await fixture.commit({ 'app/app.yaml': hostManifest('File', 'conf', { path: '/etc/app.conf', content: 'b\n' }) + service('keep') });
  const status = await agent.refresh('test');
  assert.deepEqual(status?.resources.map((r) => `${r.kind}/${r.name}`).sort(), ['File/conf', 'Service/keep']);
  assert.equal(alive(drop), false, 'the removed service was stopped');
  assert.notEqual(await pidOf('keep'), keep, 'the service naming the changed file was restarted');
  assert.equal(alive(keep), false);
});
