import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { agentFixture, hostManifest } from '@trueup/testkit';
import { startAgent } from './agent.ts';

test('one agent runs several applications on one repository, sharing one Git cache', async (t) => {
  const fixture = await agentFixture({ files: { 'app/motd.yaml': hostManifest('File', 'motd', { path: '/etc/motd', content: 'hello\n' }) } });
  const second = join(fixture.dir, 'apps', 'second.yaml');
  const first = join(fixture.dir, 'apps', 'first.yaml');
  const text = await readFile(fixture.appFile, 'utf8');
  await mkdir(join(fixture.dir, 'apps'));
  await writeFile(first, text);
  await writeFile(second, text.replace('name: test', 'name: second').replace(fixture.root, join(fixture.dir, 'root2')));
  const agent = await startAgent({ stateDir: fixture.stateDir, paths: [join(fixture.dir, 'apps')], onEvent: (e) => fixture.onEvent(e) });
  t.after(async () => {
    await agent.stop();
    await fixture.cleanup();
  });
  const [a, b] = await Promise.all([agent.refresh('test'), agent.refresh('second')]);
  assert.equal(a?.sync, 'Synced');
  assert.equal(b?.sync, 'Synced');
  assert.equal(a?.revision, b?.revision);
  assert.equal(await readFile(join(fixture.dir, 'root2', 'etc/motd'), 'utf8'), 'hello\n');
  const caches = (await readdir(join(fixture.stateDir, 'git'), { withFileTypes: true })).filter((e) => e.isDirectory());
  assert.equal(caches.length, 1, 'one cache for the one repository');
});
