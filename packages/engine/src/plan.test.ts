import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planPass } from './plan.ts';
import { absent, desiredOf, hostManifest, liveOf } from './testing.ts';

const dir = (name: string, path: string) => hostManifest('Directory', name, { path, mode: '0755' });
const file = (name: string, path: string, content = 'x') => hostManifest('File', name, { path, content, mode: '0644' });
const service = hostManifest('Service', 'web', { command: ['node', 'web.js'], onChange: ['File/conf'] });
const migrate = hostManifest('Command', 'migrate', { run: 'true', onChange: ['File/conf'] });
const link = hostManifest('Symlink', 'current', { path: '/srv/current', target: '/srv/v1' });

test('plan orders Directory → File → Symlink → Command → Service, parents first', () => {
  const desired = [service, migrate, link, file('conf', '/srv/app/conf'), dir('app', '/srv/app'), dir('srv', '/srv')];
  const plan = planPass({ desired: desired.map((m) => desiredOf(m)), live: desired.map(absent) });
  assert.deepEqual(plan.waves.map((wave) => wave.map((step) => `${step.action} ${step.key.kind}/${step.key.name}`)), [
    ['create Directory/srv', 'create Directory/app'],
    ['create File/conf'],
    ['create Symlink/current'],
    ['run Command/migrate'],
    ['create Service/web'],
  ]);
  assert.deepEqual(plan.prune, []);
});

test('plan prunes what Git removed, in reverse order', () => {
  const plan = planPass({ desired: [], live: [liveOf(dir('srv', '/srv')), liveOf(file('conf', '/srv/conf')), liveOf(service), liveOf(dir('app', '/srv/app'))] });
  assert.deepEqual(plan.prune.map((s) => `${s.key.kind}/${s.key.name}`), ['Service/web', 'File/conf', 'Directory/app', 'Directory/srv']);
  assert.deepEqual(plan.waves, []);
});

test('a changed file triggers the Command and Service that name it', () => {
  const desired = [file('conf', '/srv/conf', 'new'), migrate, service];
  const live = [liveOf(file('conf', '/srv/conf', 'old')), liveOf(migrate), liveOf(service, { phase: 'running' })];
  const plan = planPass({ desired: desired.map((m) => desiredOf(m)), live });
  assert.deepEqual(plan.waves.flat().map((s) => `${s.action}:${s.reason ?? ''} ${s.key.kind}/${s.key.name}`), [
    'update:update File/conf', 'run:trigger Command/migrate', 'restart:trigger Service/web',
  ]);
});

test('nothing changed → an empty plan, and no trigger', () => {
  const desired = [file('conf', '/srv/conf'), migrate, service];
  const plan = planPass({ desired: desired.map((m) => desiredOf(m)), live: desired.map((m) => liveOf(m)) });
  assert.deepEqual(plan.waves, []);
  assert.ok([...plan.diffs.values()].every((d) => d.action === 'unchanged'));
});

test('a changed Service spec is a restart', () => {
  const changed = hostManifest('Service', 'web', { command: ['node', 'web2.js'] });
  const plan = planPass({ desired: [desiredOf(changed)], live: [liveOf(service)] });
  assert.equal(plan.waves[0]?.[0]?.action, 'restart');
});
