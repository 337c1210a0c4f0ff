import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffObject, patchOf } from './object-diff.ts';
import { absent, desiredOf, hostManifest, liveOf } from './testing.ts';

const motd = (spec: Record<string, unknown>) => hostManifest('File', 'motd', { path: '/etc/motd', mode: '0644', ...spec });

const cases = [
  { name: 'absent live is a create', desired: motd({ content: 'hi\n' }), live: absent(motd({})), want: 'create' },
  { name: 'same fields are unchanged', desired: motd({ content: 'hi\n' }), live: liveOf(motd({ content: 'hi\n', owner: 'root' })), want: 'unchanged' },
  { name: 'fields Git does not set are ignored', desired: hostManifest('File', 'motd', { path: '/etc/motd', content: 'x' }), live: liveOf(motd({ content: 'x', owner: 'www', group: 'www' })), want: 'unchanged' },
  { name: 'changed content is an update', desired: motd({ content: 'hi\n' }), live: liveOf(motd({ content: 'hello\n' })), want: 'update', fields: ['spec.content'] },
  { name: 'changed mode is an update', desired: motd({ content: 'x', mode: '0600' }), live: liveOf(motd({ content: 'x' })), want: 'update', fields: ['spec.mode'] },
  { name: 'changed env entry', desired: hostManifest('Service', 'web', { command: ['node'], env: { PORT: '80' } }), live: liveOf(hostManifest('Service', 'web', { command: ['node'], env: { PORT: '81' } })), want: 'update', fields: ['spec.env.PORT'] },
  { name: 'changed argv', desired: hostManifest('Service', 'web', { command: ['node', 'a.js'] }), live: liveOf(hostManifest('Service', 'web', { command: ['node'] })), want: 'update', fields: ['spec.command'] },
] as const;

for (const c of cases) {
  test(`diffObject: ${c.name}`, () => {
    const diff = diffObject(desiredOf(c.desired), c.live);
    assert.equal(diff.action, c.want);
    if (diff.action === 'update' && 'fields' in c) assert.deepEqual(diff.fields, c.fields);
  });
}

test('diffObject: Git no longer declares it → delete; already gone → unchanged', () => {
  assert.equal(diffObject(undefined, liveOf(motd({ content: 'x' }))).action, 'delete');
  assert.equal(diffObject(undefined, absent(motd({}))).action, 'unchanged');
});

test('diffObject: the patch is a readable unified diff of the content', () => {
  const desired = desiredOf(motd({ content: 'line 1\nline 2\nline 3\n' }));
  const live = liveOf(motd({ content: 'line 1\nTAMPERED\nline 3\n', owner: 'root' }));
  assert.equal(diffObject(desired, live).action, 'update');
  const patch = patchOf(desired, live);
  assert.ok(patch.includes('-    TAMPERED\n+    line 2\n'), patch);
  assert.ok(!patch.includes('owner'), 'fields Git does not set stay out of the patch');
  assert.equal(patchOf(desired, liveOf(desired.manifest)), '');
  assert.match(patchOf(undefined, live), /^--- live\/File\/motd\n\+\+\+ git\/File\/motd\n@@ -1,8 \+0,0 @@/);
});

test('diffObject: ignored pointers never count', () => {
  const desired = desiredOf(hostManifest('Service', 'web', { command: ['node'], env: { A: '1' } }));
  const live = liveOf(hostManifest('Service', 'web', { command: ['node'], env: { A: '2' } }));
  assert.equal(diffObject(desired, live, { ignore: ['/spec/env/A'] }).action, 'unchanged');
});

test('diffObject: ignoreDifferences match host objects by group host.trueup.dev and kind', () => {
  const desired = desiredOf(motd({ content: 'hi\n' }));
  const live = liveOf(motd({ content: 'edited\n' }));
  const rule = { group: 'host.trueup.dev', kind: 'File', name: 'motd', jsonPointers: ['/spec/content'], managedFieldsManagers: [], jqPathExpressions: [] };
  assert.equal(diffObject(desired, live, { ignoreDifferences: [rule] }).action, 'unchanged');
  assert.equal(patchOf(desired, live, { ignoreDifferences: [rule] }), '');
  assert.equal(diffObject(desired, live, { ignoreDifferences: [{ ...rule, kind: 'Directory' }] }).action, 'update');
});

test('patchOf: a Command or Service patch names the changed variable and shows no value', () => {
  const service = (env: Record<string, string>) => hostManifest('Service', 'web', { command: ['node'], env });
  const patch = patchOf(desiredOf(service({ TOKEN: 'git-secret', PORT: '80' })), liveOf(service({ TOKEN: 'live-secret', PORT: '80' })));
  assert.ok(patch.includes('-    TOKEN: "<redacted: 11 bytes>"\n+    TOKEN: "<redacted: 10 bytes, changed>"\n'), patch);
  for (const value of ['git-secret', 'live-secret']) assert.ok(!patch.includes(value), `no env value in:\n${patch}`);
  const created = patchOf(desiredOf(hostManifest('Command', 'migrate', { run: 'true', env: { PASSWORD: 'hunter2' } })), absent(hostManifest('Command', 'migrate', {})));
  assert.ok(created.includes('PASSWORD: "<redacted: 7 bytes>"') && !created.includes('hunter2'), created);
});
