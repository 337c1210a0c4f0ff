/**
 * `trueup run` with `uses: trueup/gitops-set` and `uses: trueup/wait-healthy` against a real hub
 * and a real host agent following a real Git repository: the run sets the value through the hub,
 * waits until the agent reports it Healthy, and fails when the wait times out or no hub is named.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { workflowRepo } from '@trueup/runner/testing';
import { agentFixture } from '@trueup/testkit';
import { joinedAgent, startTestHub } from '@trueup/testkit/hub';
import { trueupOffline, trueupWith } from './cli-testing.ts';

test('a workflow hands off through the hub and waits for the agent', async (t) => {
  const testHub = await startTestHub();
  t.after(() => testHub.stop());
  const fixture = await agentFixture({ files: { 'app/motd.yaml': 'apiVersion: host.trueup.dev/v1alpha1\nkind: File\nmetadata:\n  name: motd\nspec:\n  path: /etc/motd\n  content: "v1"   # set by CI\n' } });
  t.after(() => fixture.cleanup());
  const agent = await joinedAgent(testHub, fixture, 'dev');
  t.after(() => agent.stop());
  const env = { TRUEUP_HUB: testHub.hub.url, TRUEUP_TOKEN: testHub.adminToken, TRUEUP_CA_FILE: testHub.hub.info.caCertFile };

  const repo = workflowRepo(`on: push
jobs:
  deploy:
    runs-on: self-hosted
    steps:
      - id: set
        uses: trueup/gitops-set
        with: { repo: "${fixture.repoURL}", file: app/motd.yaml, key: spec.content, value: v2 }
      - id: wait
        uses: trueup/wait-healthy
        with: { app: dev/test, revision: "\${{ steps.set.outputs.revision }}", timeout: 60s }
      - run: echo "deployed \${{ steps.set.outputs.revision }}, \${{ steps.wait.outputs.state }}"
`);
  t.after(repo.cleanup);
  const ok = await trueupWith(env, ['run'], { cwd: repo.dir });
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /deploy ▸ trueup\/gitops-set/);
  assert.match(ok.stdout, /\[trueup\] committed [0-9a-f]{40} \(app\/motd\.yaml spec\.content = v2\); refreshing dev\/test/);
  assert.match(ok.stdout, /deployed [0-9a-f]{40}, healthy/);
  assert.equal(await readFile(join(fixture.root, 'etc/motd'), 'utf8'), 'v2');

  // A revision the agent never gets: the step fails when the time is up, and so does the run.
  const late = workflowRepo(`on: push
jobs:
  deploy:
    runs-on: self-hosted
    steps:
      - uses: trueup/wait-healthy
        with: { app: dev/test, revision: "${'b'.repeat(40)}", timeout: 2s }
`);
  t.after(late.cleanup);
  const timedOut = await trueupWith(env, ['run'], { cwd: late.dir });
  assert.equal(timedOut.code, 1, timedOut.stdout + timedOut.stderr);
  assert.match(timedOut.stdout, /trueup\/wait-healthy: timed out: waiting for the agent to apply bbbbbbbbbbbb/);

  // Without a hub the step says what it needs.
  const alone = await trueupOffline(['run'], { cwd: late.dir });
  assert.equal(alone.code, 1, alone.stdout + alone.stderr);
  assert.match(alone.stdout, /trueup\/wait-healthy needs a hub: set TRUEUP_HUB and TRUEUP_TOKEN/);
});
