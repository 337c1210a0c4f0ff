import assert from 'node:assert/strict';
import { readFile, writeFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ApplicationStatus } from '@trueup/api';
import { StateStore } from './state-store.ts';
import { hostManifest, runningAgent } from '@trueup/testkit';

const files = {
  'app/dirs.yaml': hostManifest('Directory', 'etc', { path: '/etc/demo' }),
  'app/files.yaml': hostManifest('File', 'motd', { path: '/etc/demo/motd', content: 'hello\n' }) + hostManifest('File', 'conf', { path: '/etc/demo/app.conf', source: 'app.conf', mode: '0600' }),
  'app/app.conf': 'port = 8080\n',
};

const running = (t: { after: (fn: () => Promise<void>) => void }, options: Parameters<typeof runningAgent>[1] = { files }) => runningAgent(t, options);

test('converges a host root from Git and serves its status', async (t) => {
  const { fixture, agent, first } = await running(t);
  assert.equal(first.sync, 'Synced', JSON.stringify(first.error));
  assert.equal(first.health.status, 'Healthy');
  assert.match(first.revision, /^[0-9a-f]{40}$/);
  assert.equal(await readFile(join(fixture.root, 'etc/demo/motd'), 'utf8'), 'hello\n');
  assert.equal((await stat(join(fixture.root, 'etc/demo/app.conf'))).mode & 0o777, 0o600);
  const response = await fetch(`${agent.url ?? ''}/api/v1/applications`, { headers: { authorization: `Bearer ${agent.token ?? ''}` } });
  const body = (await response.json()) as { applications: ApplicationStatus[] };
  assert.equal(body.applications[0]?.name, 'test');
  assert.equal(body.applications[0]?.resources.length, 3);
  assert.equal((await fetch(`${agent.url ?? ''}/readyz`)).status, 200);
  assert.match(await (await fetch(`${agent.url ?? ''}/metrics`)).text(), /trueup_reconcile_total\{application="test",result="success"\} 1/);
});

test('heals a tampered file and records the drift', async (t) => {
  const { fixture } = await running(t);
  await writeFile(join(fixture.root, 'etc/demo/motd'), 'tampered\n');
  await fixture.waitFor((e) => e.type === 'drift-healed');
  assert.equal(await readFile(join(fixture.root, 'etc/demo/motd'), 'utf8'), 'hello\n');
  const store = new StateStore(fixture.stateDir, { readOnly: true });
  const [event] = store.driftEvents('test');
  store.close();
  assert.deepEqual(event?.fields, ['spec.content']);
  assert.ok(event?.healedAt !== undefined);
});

test('a deleted managed file comes back', async (t) => {
  const { fixture } = await running(t);
  await rm(join(fixture.root, 'etc/demo/app.conf'));
  await fixture.waitFor((e) => e.type === 'drift-healed');
  assert.equal(await readFile(join(fixture.root, 'etc/demo/app.conf'), 'utf8'), 'port = 8080\n');
});

test('applies a new commit on refresh and prunes what Git removed', async (t) => {
  const { fixture, agent } = await running(t);
  const sha = await fixture.commit({ 'app/app.conf': 'port = 9090\n', 'app/files.yaml': hostManifest('File', 'conf', { path: '/etc/demo/app.conf', source: 'app.conf' }) });
  const status = await agent.refresh('test');
  assert.equal(status?.revision, sha);
  assert.equal(status?.sync, 'Synced');
  assert.equal(await readFile(join(fixture.root, 'etc/demo/app.conf'), 'utf8'), 'port = 9090\n');
  await assert.rejects(stat(join(fixture.root, 'etc/demo/motd')), { code: 'ENOENT' });
  const store = new StateStore(fixture.stateDir, { readOnly: true });
  const [latest] = store.history('test');
  store.close();
  assert.equal(latest?.revision, sha);
  assert.deepEqual(latest?.changes.map((c) => `${c.action} ${c.key.kind}/${c.key.name}`).sort(), ['delete File/motd', 'update File/conf']);
});

test('bad input: the error names the file, the line and the field; nothing changes; the next good commit recovers', async (t) => {
  const { fixture, agent } = await running(t);
  const bad = '---\napiVersion: host.trueup.dev/v1alpha1\nkind: File\nmetadata:\n  name: motd\nspec:\n  path: /etc/demo/motd\n  mdoe: "0644"\n  content: hi\n';
  await fixture.commit({ 'app/files.yaml': bad });
  const broken = await agent.refresh('test');
  assert.equal(broken?.error?.code, 'API_FIELD_UNKNOWN', JSON.stringify(broken?.error));
  assert.equal(broken?.error?.file, 'app/files.yaml');
  assert.equal(broken?.error?.line, 8);
  assert.equal(broken?.error?.field, 'spec.mdoe');
  assert.equal(broken?.conditions.find((c) => c.type === 'Stalled')?.status, 'True');
  assert.equal(await readFile(join(fixture.root, 'etc/demo/motd'), 'utf8'), 'hello\n', 'the last good state keeps running');
  await stat(join(fixture.root, 'etc/demo/app.conf'));
  await fixture.commit(files);
  const fixed = await agent.refresh('test');
  assert.equal(fixed?.error, undefined);
  assert.equal(fixed?.sync, 'Synced');
});

test('an empty render prunes nothing', async (t) => {
  const { fixture, agent } = await running(t);
  await fixture.commit({ 'app/dirs.yaml': null, 'app/files.yaml': null, 'app/app.conf': null, 'app/README.md': 'nothing here\n' });
  const status = await agent.refresh('test');
  assert.equal(await readFile(join(fixture.root, 'etc/demo/motd'), 'utf8'), 'hello\n');
  assert.equal(status?.sync, 'OutOfSync');
  assert.match(status?.conditions.find((c) => c.type === 'Ready')?.message ?? '', /render is empty/);
});

test('with allowEmpty, an empty render prunes everything, as Git says', async (t) => {
  const { fixture, agent } = await running(t, { files, allowEmpty: true });
  await fixture.commit({ 'app/dirs.yaml': null, 'app/files.yaml': null, 'app/app.conf': null, 'app/README.md': 'nothing here\n' });
  const status = await agent.refresh('test');
  assert.equal(status?.sync, 'Synced', JSON.stringify(status?.conditions));
  await assert.rejects(stat(join(fixture.root, 'etc/demo/motd')), { code: 'ENOENT' });
  await assert.rejects(stat(join(fixture.root, 'etc/demo')), { code: 'ENOENT' });
});

test('without automated, the agent reports OutOfSync with the diff and changes nothing', async (t) => {
  const { fixture, first } = await running(t, { files, automated: false });
  assert.equal(first.sync, 'OutOfSync');
  assert.equal(first.health.status, 'Missing');
  assert.match(first.resources.find((r) => r.name === 'motd')?.diff ?? '', /\+  content: \|\n\+    hello/);
  await assert.rejects(stat(join(fixture.root, 'etc/demo/motd')), { code: 'ENOENT' });
});

test('an unreachable repository keeps the last good state', async (t) => {
  const { fixture, agent } = await running(t);
  await rm(join(fixture.dir, 'repos'), { recursive: true });
  const status = await agent.refresh('test');
  assert.match(status?.error?.code ?? '', /^GIT_/);
  assert.equal(status?.conditions.find((c) => c.type === 'Ready')?.status, 'False');
  assert.equal(await readFile(join(fixture.root, 'etc/demo/motd'), 'utf8'), 'hello\n');
});
