import assert from 'node:assert/strict';
import { test } from 'node:test';
import { displayKey, type Manifest } from '@trueup/api';
import { isEmptyPlan, needsSync, planPass } from './plan.ts';
import { absent, desiredOf, hostManifest, liveOf } from './testing.ts';

const dir = (name: string, path: string) => hostManifest('Directory', name, { path, mode: '0755' });
const file = (name: string, path: string, content = 'x') => hostManifest('File', name, { path, content, mode: '0644' });
const service = hostManifest('Service', 'web', { command: ['node', 'web.js'], onChange: ['File/conf'] });
const migrate = hostManifest('Command', 'migrate', { run: 'true', onChange: ['File/conf'] });
const link = hostManifest('Symlink', 'current', { path: '/srv/current', target: '/srv/v1' });

test('plan orders Directory → File → Symlink → Command → Service, parents first', () => {
  const desired = [service, migrate, link, file('conf', '/srv/app/conf'), dir('app', '/srv/app'), dir('srv', '/srv')];
  const plan = planPass({ desired: desired.map((m) => desiredOf(m)), live: desired.map(absent) });
  assert.deepEqual(plan.waves.map((wave) => wave.steps.map((step) => `${step.action} ${step.key.kind}/${step.key.name}`)), [
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
  assert.deepEqual(plan.waves.flatMap((w) => w.steps).map((s) => `${s.action}:${s.reason ?? ''} ${s.key.kind}/${s.key.name}`), [
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
  assert.equal(plan.waves[0]?.steps[0]?.action, 'restart');
});

// Kubernetes objects: waves, bootstrap, hooks.

function kube(apiVersion: string, kind: string, name: string, namespace?: string, annotations?: Record<string, string>, data?: Record<string, unknown>): Manifest {
  return { apiVersion, kind, metadata: { name, ...(namespace === undefined ? {} : { namespace }), ...(annotations === undefined ? {} : { annotations }) }, ...data };
}
const argoWave = (wave: string) => ({ 'argocd.argoproj.io/sync-wave': wave });
const crd = kube('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com');
const shopNs = kube('v1', 'Namespace', 'shop');
const widget = kube('example.com/v1', 'Widget', 'w1', 'shop', argoWave('-1'));
const deploy = kube('apps/v1', 'Deployment', 'web', 'shop');
const svc = kube('v1', 'Service', 'web', 'shop', { 'trueup.dev/sync-wave': '2' });
const clusterRole = kube('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader', undefined, argoWave('2'));
const preJob = kube('batch/v1', 'Job', 'migrate', 'shop', { 'argocd.argoproj.io/hook': 'PreSync' });
const syncJob = kube('batch/v1', 'Job', 'warm', 'shop', { 'argocd.argoproj.io/hook': 'Sync', 'argocd.argoproj.io/sync-wave': '5' });
const postJob = kube('batch/v1', 'Job', 'smoke', 'shop', { 'helm.sh/hook': 'post-install', 'helm.sh/hook-delete-policy': 'hook-succeeded' });
const failJob = kube('batch/v1', 'Job', 'page', 'shop', { 'trueup.dev/hook': 'SyncFail' });

const describeWaves = (plan: ReturnType<typeof planPass>) => plan.waves.map((w) => ({
  wave: `${w.phase} ${w.wave} → ${w.waitFor}`,
  steps: w.steps.map((s) => `${s.action} ${displayKey(s.key)}`),
  hooks: w.hooks.map((h) => displayKey(h.key)),
}));

test('Kubernetes: CRDs and Namespaces in their own first wave, then waves −1, 0, 2', () => {
  const desired = [svc, clusterRole, deploy, widget, shopNs, crd];
  const plan = planPass({ desired: desired.map((m) => desiredOf(m)), live: desired.map(absent) });
  assert.deepEqual(describeWaves(plan), [
    { wave: 'Bootstrap 0 → established', steps: ['create Namespace/shop', 'create CustomResourceDefinition/widgets.example.com'], hooks: [] },
    { wave: 'Sync -1 → healthy', steps: ['create Widget/shop/w1'], hooks: [] },
    { wave: 'Sync 0 → healthy', steps: ['create Deployment/shop/web'], hooks: [] },
    { wave: 'Sync 2 → none', steps: ['create ClusterRole/reader', 'create Service/shop/web'], hooks: [] },
  ]);
  assert.deepEqual(plan.problems, []);
});

test('Kubernetes: a changed Service is an update, not a restart', () => {
  const before = kube('v1', 'Service', 'web', 'shop', undefined, { spec: { ports: [{ port: 80 }] } });
  const after = kube('v1', 'Service', 'web', 'shop', undefined, { spec: { ports: [{ port: 81 }] } });
  const plan = planPass({ desired: [desiredOf(after)], live: [liveOf(before)] });
  assert.equal(plan.waves[0]?.steps[0]?.action, 'update');
});

test('Kubernetes: prune runs the apply order backwards, Namespaces and CRDs last', () => {
  const live = [shopNs, crd, widget, deploy, svc, clusterRole].map((m) => liveOf(m));
  const plan = planPass({ desired: [], live });
  assert.deepEqual(plan.prune.map((s) => displayKey(s.key)), [
    'Service/shop/web', 'ClusterRole/reader', 'Deployment/shop/web', 'Widget/shop/w1', 'CustomResourceDefinition/widgets.example.com', 'Namespace/shop',
  ]);
});

test('hooks run in waves only when the pass changes something, and are never diffed or pruned', () => {
  const hooks = [preJob, syncJob, postJob, failJob];
  const desired = [deploy, ...hooks].map((m) => desiredOf(m));
  // The deployment changes: a sync, so PreSync and Sync hooks take their waves.
  const changed = planPass({ desired, live: [absent(deploy), ...hooks.map(absent)] });
  assert.deepEqual(describeWaves(changed), [
    { wave: 'PreSync 0 → none', steps: [], hooks: ['Job/shop/migrate'] },
    { wave: 'Sync 0 → healthy', steps: ['create Deployment/shop/web'], hooks: [] },
    { wave: 'Sync 5 → none', steps: [], hooks: ['Job/shop/warm'] },
  ]);
  assert.deepEqual(changed.hooks.PostSync.map((h) => [displayKey(h.key), h.deletePolicies]), [['Job/shop/smoke', ['HookSucceeded']]]);
  assert.deepEqual(changed.hooks.SyncFail.map((h) => displayKey(h.key)), ['Job/shop/page']);
  assert.deepEqual([...changed.diffs.keys()], ['apps/v1/Deployment/shop/web']);
  assert.ok(needsSync(changed, { prune: false }));

  // Nothing changed (hooks absent or present live make no difference): no waves, no hooks run.
  const inSync = planPass({ desired, live: [liveOf(deploy), liveOf(preJob), absent(syncJob)] });
  assert.deepEqual(inSync.waves, []);
  assert.ok(isEmptyPlan(inSync));
  assert.equal(inSync.hooks.PreSync.length, 1);
  assert.ok(!needsSync(inSync, { prune: true }));

  // A hook left in the inventory and gone from Git is not pruned; a removed resource is.
  const old = kube('v1', 'ConfigMap', 'old', 'shop');
  const pruneOnly = planPass({ desired: [desiredOf(deploy)], live: [liveOf(deploy), liveOf(preJob), liveOf(old)] });
  assert.deepEqual(pruneOnly.prune.map((s) => displayKey(s.key)), ['ConfigMap/shop/old']);
  assert.ok(needsSync(pruneOnly, { prune: true }));
  assert.ok(!needsSync(pruneOnly, { prune: false }));
});

test('Sync hooks join the wave of their number; a skipped object is neither applied nor pruned', () => {
  const sameWave = kube('batch/v1', 'Job', 'with-web', 'shop', { 'trueup.dev/hook': 'Sync' });
  const skipped = kube('v1', 'ConfigMap', 'manual', 'shop', { 'argocd.argoproj.io/hook': 'Skip' });
  const desired = [deploy, sameWave, skipped].map((m) => desiredOf(m));
  const plan = planPass({ desired, live: [absent(deploy), absent(sameWave), liveOf(skipped)] });
  assert.deepEqual(describeWaves(plan), [{ wave: 'Sync 0 → none', steps: ['create Deployment/shop/web'], hooks: ['Job/shop/with-web'] }]);
  assert.deepEqual(plan.prune, []);
  assert.equal(plan.diffs.has('v1/ConfigMap/shop/manual'), false);
});

test('an invalid sync wave is a problem of the plan, with file and line', () => {
  const bad = kube('v1', 'ConfigMap', 'bad', 'shop', argoWave('later'));
  const plan = planPass({ desired: [desiredOf(bad, 'k8s/cm.yaml', 7)], live: [absent(bad)] });
  assert.deepEqual(plan.problems.map((p) => `${p.file}:${p.line}: ${p.field}: ${p.message}`), [
    'k8s/cm.yaml:7: metadata.annotations.argocd.argoproj.io/sync-wave: sync wave "later" is not an integer',
  ]);
  assert.deepEqual(describeWaves(plan), [{ wave: 'Sync 0 → none', steps: ['create ConfigMap/shop/bad'], hooks: [] }]);
});

test('host plans: one wave per kind, no hooks, no waits', () => {
  const desired = [service, file('conf', '/srv/conf')];
  const plan = planPass({ desired: desired.map((m) => desiredOf(m)), live: desired.map(absent) });
  assert.deepEqual(plan.waves.map((w) => `${w.phase} ${w.wave} ${w.waitFor} ${w.hooks.length}`), ['Host 1 none 0', 'Host 4 none 0']);
  assert.deepEqual(plan.hooks, { PreSync: [], Sync: [], PostSync: [], SyncFail: [] });
});

test('an object Git removed that forbids its prune (Argo CD or Trueup annotation) is kept, OutOfSync', () => {
  const claim = kube('v1', 'PersistentVolumeClaim', 'data', 'shop', { 'argocd.argoproj.io/sync-options': 'Delete=false, Prune=false' });
  const keepNs = kube('v1', 'Namespace', 'keep', undefined, { 'trueup.dev/prune': 'false' });
  const other = kube('v1', 'ConfigMap', 'old', 'shop', { 'argocd.argoproj.io/sync-options': 'Delete=false' });
  const plan = planPass({ desired: [], live: [liveOf(claim), liveOf(keepNs), liveOf(other)] });
  assert.deepEqual(plan.prune.map((step) => displayKey(step.key)), ['ConfigMap/shop/old']);
  assert.deepEqual(plan.kept.map((step) => displayKey(step.key)), ['PersistentVolumeClaim/shop/data', 'Namespace/keep']);
  assert.equal(plan.diffs.size, 3);
  assert.ok([...plan.diffs.values()].every((diff) => diff.action === 'delete'), 'still OutOfSync');
});
