import assert from 'node:assert/strict';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { agentFixture, createServedRepo, hostManifest, runningAgent, startGitHttpServer } from '@trueup/testkit';
import { startAgent } from './agent.ts';

const files = { 'app/files.yaml': hostManifest('File', 'motd', { path: '/etc/motd', content: 'hello\n' }) + hostManifest('File', 'keep', { path: '/etc/keep', content: 'keep\n' }) };

test('something that keeps changing a file back is Fighting, and self-heal backs off', async (t) => {
  const { fixture, agent } = await runningAgent(t, { files });
  const motd = join(fixture.root, 'etc/motd');
  for (let round = 0; round < 4; round++) {
    const healed = fixture.events.filter((e) => e.type === 'drift-healed').length;
    await writeFile(motd, `fight ${round}\n`);
    await fixture.waitFor(() => fixture.events.filter((e) => e.type === 'drift-healed').length > healed);
  }
  // The fifth change reaches the watch in two parts, as a loaded machine delivers a write: its
  // truncation is seen and its heal deferred before its content is written. The rest of the
  // change joins the deferred heal: no second drift for one change.
  const fifth = await open(motd, 'w');
  const deferred = await fixture.waitFor((e) => e.type === 'heal-deferred');
  assert.ok(deferred.type === 'heal-deferred' && deferred.delayMs > 0);
  await fifth.write('fight again\n');
  await fifth.close();
  const status = agent.applications()[0];
  assert.match(status?.conditions.find((c) => c.type === 'Fighting')?.message ?? '', /File\/motd/);
  await fixture.waitFor((e) => e.type === 'drift-healed' && fixture.events.filter((x) => x.type === 'drift-healed').length === 5);
  assert.equal(await readFile(motd, 'utf8'), 'hello\n', 'healed after the delay');
  assert.equal(fixture.events.filter((e) => e.type === 'drift-detected').length, 5, 'one drift event per change');
});

test('a path escaping the root is refused with HOST_PATH_ESCAPES_ROOT, and nothing is pruned', async (t) => {
  const { fixture, agent } = await runningAgent(t, { files });
  const evil = '---\napiVersion: host.trueup.dev/v1alpha1\nkind: File\nmetadata:\n  name: evil\nspec:\n  content: x\n  path: /../../../tmp/trueup-escape\n';
  await fixture.commit({ 'app/files.yaml': evil });
  const status = await agent.refresh('test');
  // The line of the field at fault (spec.path), not the document's first line.
  assert.match(status?.error?.message ?? '', /^app\/files\.yaml:8: File\/evil: spec\.path: .*climbs above the root \[HOST_PATH_ESCAPES_ROOT\]/);
  assert.equal(status?.error?.file, 'app/files.yaml');
  assert.equal(status?.error?.line, 8);
  assert.equal(await readFile(join(fixture.root, 'etc/keep'), 'utf8'), 'keep\n', 'a failed apply prunes nothing');
});

test('wrong HTTPS credentials: a clear error, the password nowhere in the status', async (t) => {
  const fixture = await agentFixture({ files });
  const served = join(fixture.dir, 'served');
  await mkdir(served);
  const bare = await createServedRepo(served, 'config.git');
  await fixture.work.git('push', '--quiet', bare, 'main');
  const server = await startGitHttpServer({ root: served, username: 'deploy', password: 'right-password' });
  await writeFile(join(fixture.dir, 'password'), 'wrong-password-123\n');
  await writeFile(fixture.appFile, (await readFile(fixture.appFile, 'utf8')).replace(/repoURL: "[^"]+"/, `repoURL: "${server.url('config.git')}", credentials: { username: deploy, passwordFile: password }`));
  const agent = await startAgent({ stateDir: fixture.stateDir, paths: [fixture.appFile], onEvent: (e) => fixture.onEvent(e) });
  t.after(async () => {
    await agent.stop();
    await server.close();
    await fixture.cleanup();
  });
  const finished = await fixture.waitFor((e) => e.type === 'pass-finished');
  assert.ok(finished.type === 'pass-finished');
  assert.equal(finished.status.error?.code, 'GIT_AUTH_FAILED');
  assert.doesNotMatch(JSON.stringify(finished.status), /wrong-password-123/);
  await writeFile(join(fixture.dir, 'password'), 'right-password\n');
  const recovered = await agent.refresh('test');
  assert.equal(recovered?.sync, 'Synced', JSON.stringify(recovered?.error));
  assert.doesNotMatch(JSON.stringify(recovered), /right-password/);
});
