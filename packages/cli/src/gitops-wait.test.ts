/**
 * `trueup gitops wait` as a process, against a real hub and a real host agent joined to it,
 * following a real Git repository: Healthy once a pushed revision is applied, Degraded with the
 * failing resource and its message, and a timeout for a revision that never comes.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startAgent } from '@trueup/agent';
import { agentFixture, hostManifest } from '@trueup/testkit';
import { startTestHub } from '@trueup/testkit/hub';
import { trueupWithoutHubEnv } from './cli-testing.ts';


test('gitops wait: Healthy after a push, Degraded with the failing resource, a timeout', async (t) => {
  const testHub = await startTestHub();
  t.after(() => testHub.stop());
  const fixture = await agentFixture({ files: { 'app/files.yaml': hostManifest('File', 'motd', { path: '/etc/motd', content: 'one\n' }) } });
  t.after(() => fixture.cleanup());
  const { token } = await testHub.client.post<{ token: string }>('/api/v1/join-tokens', { name: 'dev', labels: {}, ttl: '10m' });
  const tokenFile = join(fixture.dir, 'join-token');
  await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
  const agent = await startAgent({ stateDir: fixture.stateDir, paths: [fixture.appFile], hub: { joinTokenFile: tokenFile } });
  t.after(() => agent.stop({ stopServices: true }));
  const hub = ['--data-dir', testHub.dataDir];
  for (let tries = 0; !(await testHub.client.get<{ total: number }>('/api/v1/applications?environment=dev')).total; tries++) {
    assert.ok(tries < 200, 'the agent reports its application to the hub');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const push = (): Promise<unknown> => testHub.client.post('/api/v1/environments/dev/applications/test/refresh');

  // The wait starts before the agent knows the commit; it returns once the agent applied it.
  const two = await fixture.commit({ 'app/files.yaml': hostManifest('File', 'motd', { path: '/etc/motd', content: 'two\n' }) });
  const waiting = trueupWithoutHubEnv(['gitops', 'wait', '--app', 'dev/test', '--revision', two, '--timeout', '60s', ...hub, '-o', 'json']);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await push();
  const healthy = await waiting;
  assert.equal(healthy.code, 0, healthy.stderr);
  const verdict = JSON.parse(healthy.stdout) as { state: string; appliedRevision: string; health: string };
  assert.deepEqual([verdict.state, verdict.appliedRevision, verdict.health], ['healthy', two, 'Healthy']);

  // An abbreviated SHA of the revision already applied: answered at once, in words.
  const again = await trueupWithoutHubEnv(['gitops', 'wait', '--app', 'dev/test', '--revision', two.slice(0, 10), ...hub]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /is applied, Synced and Healthy/);

  // A service whose health check fails: Degraded, naming the service and the check's message.
  const three = await fixture.commit({
    'app/files.yaml': hostManifest('File', 'motd', { path: '/etc/motd', content: 'three\n' }),
    'app/svc.yaml': hostManifest('Service', 'web', { command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'], healthCheck: { exec: { command: ['false'] }, interval: '200ms', startPeriod: '0s' } }),
  });
  await push();
  const degraded = await trueupWithoutHubEnv(['gitops', 'wait', '--app', 'dev/test', '--revision', three, '--timeout', '60s', ...hub]);
  assert.equal(degraded.code, 1, degraded.stderr);
  assert.match(degraded.stderr, /is applied but Degraded/);
  assert.match(degraded.stderr, /Service\/web: Degraded/);

  // A revision the agent never sees: exit 3 when the time is up, saying what it waited for.
  const never = await trueupWithoutHubEnv(['gitops', 'wait', '--app', 'dev/test', '--revision', 'a'.repeat(40), '--timeout', '2s', ...hub]);
  assert.equal(never.code, 3, never.stderr);
  assert.match(never.stderr, /timed out after 2s: waiting for the agent to apply aaaaaaaaaaaa/);

  // The hand-off as CI does it: set through the hub (which refreshes the agent), then wait.
  const set = await trueupWithoutHubEnv(['gitops', 'set', '--repo', fixture.repoURL, '--file', 'app/svc.yaml', '--key', 'spec.healthCheck.exec.command[0]', '--value', 'true', '--run', 'build-7', ...hub, '-o', 'json']);
  assert.equal(set.code, 0, set.stderr);
  const written = JSON.parse(set.stdout) as { outcome: string; revision: string; refreshed: { environment: string; application: string }[] };
  assert.equal(written.outcome, 'committed');
  assert.deepEqual(written.refreshed.map((r) => `${r.environment}/${r.application}`), ['dev/test']);
  const handedOff = await trueupWithoutHubEnv(['gitops', 'wait', '--app', 'dev/test', '--revision', written.revision, '--timeout', '60s', ...hub]);
  assert.equal(handedOff.code, 0, handedOff.stderr);

  // Bad input: named before the hub is asked.
  const bad = await trueupWithoutHubEnv(['gitops', 'wait', '--app', 'dev', '--revision', two, ...hub]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--app must name the application as ENV\/APP/);
});
