import assert from 'node:assert/strict';
import { test } from 'node:test';
import { displayKey, type Manifest } from '@trueup/api';
import { generatedHookName, hookWaves, readDeletePolicies, readHookAnnotations, splitHooks, validateSyncAnnotations, type HookDeletePolicy, type HookPhase } from './hooks.ts';
import { desiredOf, hostManifest } from './testing.ts';

function kube(kind: string, name: string, annotations: Record<string, string> = {}, extra: Record<string, unknown> = {}): Manifest {
  return { apiVersion: kind === 'Job' ? 'batch/v1' : 'v1', kind, metadata: { name, namespace: 'shop', annotations, ...extra } };
}

const split = (manifests: Manifest[]) => {
  const { resources, hooks, skipped } = splitHooks(manifests.map((m) => desiredOf(m, 'k8s/app.yaml')));
  const names = (list: { key: Parameters<typeof displayKey>[0] }[]) => list.map((x) => displayKey(x.key));
  return {
    resources: names(resources),
    skipped: names(skipped),
    PreSync: hooks.PreSync.map((h) => `${h.key.name}@${h.wave}`),
    Sync: hooks.Sync.map((h) => `${h.key.name}@${h.wave}`),
    PostSync: hooks.PostSync.map((h) => `${h.key.name}@${h.wave}`),
    SyncFail: hooks.SyncFail.map((h) => `${h.key.name}@${h.wave}`),
  };
};

test('splitHooks: Argo and trueup hook annotations, lists, Skip, waves', () => {
  const got = split([
    kube('ConfigMap', 'conf'),
    kube('Job', 'migrate', { 'argocd.argoproj.io/hook': 'PreSync' }),
    kube('Job', 'seed', { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/sync-wave': '-1' }),
    kube('Job', 'notify', { 'trueup.dev/hook': 'PostSync, SyncFail' }),
    kube('Job', 'during', { 'trueup.dev/hook': 'Sync', 'trueup.dev/sync-wave': '3' }),
    kube('Job', 'never', { 'argocd.argoproj.io/hook': 'Skip' }),
    kube('Job', 'never-either', { 'argocd.argoproj.io/hook': 'PreSync,Skip' }),
    // trueup.dev/hook wins over the Argo annotation.
    kube('Job', 'ours', { 'trueup.dev/hook': 'PostSync', 'argocd.argoproj.io/hook': 'PreSync' }),
    hostManifest('File', 'motd', { path: '/etc/motd' }),
  ]);
  assert.deepEqual(got, {
    resources: ['ConfigMap/shop/conf', 'File/motd'],
    skipped: ['Job/shop/never', 'Job/shop/never-either'],
    PreSync: ['seed@-1', 'migrate@0'],
    Sync: ['during@3'],
    PostSync: ['notify@0', 'ours@0'],
    SyncFail: ['notify@0'],
  });
});

test('splitHooks: Helm hooks map to PreSync / PostSync; Helm weight is the wave', () => {
  const got = split([
    kube('Job', 'pre', { 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-weight': '5' }),
    kube('Job', 'pre-first', { 'helm.sh/hook': 'pre-upgrade', 'helm.sh/hook-weight': '-5' }),
    kube('Job', 'post', { 'helm.sh/hook': 'post-install' }),
    kube('Job', 'both', { 'helm.sh/hook': 'pre-install, post-upgrade', 'argocd.argoproj.io/sync-wave': '1', 'helm.sh/hook-weight': '9' }),
    kube('Pod', 'test-connection', { 'helm.sh/hook': 'test' }),
    kube('Job', 'cleanup', { 'helm.sh/hook': 'pre-delete' }),
    kube('ConfigMap', 'crd-ish', { 'helm.sh/hook': 'crd-install' }),
    // An Argo hook annotation wins over Helm's.
    kube('Job', 'argo', { 'argocd.argoproj.io/hook': 'Sync', 'helm.sh/hook': 'pre-install' }),
  ]);
  assert.deepEqual(got, {
    resources: ['ConfigMap/shop/crd-ish'],
    skipped: ['Pod/shop/test-connection', 'Job/shop/cleanup'],
    PreSync: ['pre-first@-5', 'both@1', 'pre@5'],
    Sync: ['argo@0'],
    PostSync: ['post@0', 'both@1'],
    SyncFail: [],
  });
});

test('readHookAnnotations: unknown types are reported, host objects are never hooks', () => {
  assert.deepEqual(readHookAnnotations(kube('Job', 'j', { 'argocd.argoproj.io/hook': 'PreDelete,PostSync' })), {
    annotation: 'argocd.argoproj.io/hook', phases: ['PostSync'], skip: false, unknown: ['PreDelete'],
  });
  assert.deepEqual(readHookAnnotations(kube('Job', 'j', { 'helm.sh/hook': 'post-install,bogus' })), {
    annotation: 'helm.sh/hook', phases: ['PostSync'], skip: false, unknown: ['bogus'],
  });
  assert.deepEqual(readHookAnnotations(kube('Job', 'j')), { annotation: undefined, phases: [], skip: false, unknown: [] });
  const hostWithHook = hostManifest('Command', 'c', {});
  hostWithHook.metadata.annotations = { 'argocd.argoproj.io/hook': 'PreSync' };
  assert.deepEqual(split([hostWithHook]).resources, ['Command/c']);
});

test('delete policies: default BeforeHookCreation, united over Argo, trueup and Helm spellings', () => {
  const table: { name: string; annotations: Record<string, string>; want: HookDeletePolicy[]; unknown?: string[] }[] = [
    { name: 'none given', annotations: {}, want: ['BeforeHookCreation'] },
    { name: 'Argo', annotations: { 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' }, want: ['HookSucceeded'] },
    { name: 'Argo list', annotations: { 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded,BeforeHookCreation' }, want: ['BeforeHookCreation', 'HookSucceeded'] },
    { name: 'trueup', annotations: { 'trueup.dev/hook-delete-policy': 'HookFailed' }, want: ['HookFailed'] },
    { name: 'Helm', annotations: { 'helm.sh/hook-delete-policy': 'hook-succeeded, hook-failed' }, want: ['HookFailed', 'HookSucceeded'] },
    { name: 'united', annotations: { 'argocd.argoproj.io/hook-delete-policy': 'HookFailed', 'helm.sh/hook-delete-policy': 'before-hook-creation' }, want: ['BeforeHookCreation', 'HookFailed'] },
    { name: 'unknown only', annotations: { 'argocd.argoproj.io/hook-delete-policy': 'Never' }, want: ['BeforeHookCreation'], unknown: ['Never'] },
  ];
  for (const { name, annotations, want, unknown = [] } of table) {
    const read = readDeletePolicies(kube('Job', 'j', annotations));
    assert.deepEqual(read.policies, want, name);
    assert.deepEqual(read.unknown.map((u) => u.value), unknown, name);
  }
  const [hook] = splitHooks([desiredOf(kube('Job', 'j', { 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' }))]).hooks.PostSync;
  assert.deepEqual(hook?.deletePolicies, ['HookSucceeded']);
});

test('generateName: a deterministic name from the prefix and a hash of the manifest', () => {
  const manifest = (image: string): Manifest => ({
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: { generateName: 'migrate-', namespace: 'shop', annotations: { 'argocd.argoproj.io/hook': 'PreSync' } } as unknown as Manifest['metadata'],
    spec: { template: { spec: { containers: [{ name: 'm', image }] } } },
  });
  const [first] = splitHooks([desiredOf(manifest('app:1'))]).hooks.PreSync;
  const [again] = splitHooks([desiredOf(manifest('app:1'))]).hooks.PreSync;
  const [changed] = splitHooks([desiredOf(manifest('app:2'))]).hooks.PreSync;
  assert.match(first!.key.name, /^migrate-[0-9a-f]{8}$/);
  assert.equal(again!.key.name, first!.key.name);
  assert.notEqual(changed!.key.name, first!.key.name);
  assert.equal(first!.desired.key.name, first!.key.name);
  assert.equal(first!.desired.manifest.metadata.name, first!.key.name);
  assert.equal('generateName' in first!.desired.manifest.metadata, false);
  assert.equal(first!.key.namespace, 'shop');
  // Key order in the manifest does not change the name.
  const reordered = manifest('app:1');
  const flipped: Manifest = { spec: reordered.spec ?? {}, kind: reordered.kind, metadata: reordered.metadata, apiVersion: reordered.apiVersion };
  assert.equal(generatedHookName('migrate-', flipped), first!.key.name);
  // The name fits in 63 characters.
  assert.equal(generatedHookName('x'.repeat(80), flipped).length, 63);
  // A hook that has a name keeps it.
  const [named] = splitHooks([desiredOf(kube('Job', 'fixed', { 'argocd.argoproj.io/hook': 'PreSync' }, { generateName: 'gen-' }))]).hooks.PreSync;
  assert.equal(named!.key.name, 'fixed');
});

test('hookWaves groups one phase by wave, in order', () => {
  const { hooks } = splitHooks([
    kube('Job', 'b', { 'trueup.dev/hook': 'PreSync', 'trueup.dev/sync-wave': '1' }),
    kube('Job', 'a', { 'trueup.dev/hook': 'PreSync', 'trueup.dev/sync-wave': '1' }),
    kube('ConfigMap', 'c', { 'trueup.dev/hook': 'PreSync', 'trueup.dev/sync-wave': '1' }),
    kube('Job', 'z', { 'trueup.dev/hook': 'PreSync', 'trueup.dev/sync-wave': '-3' }),
  ].map((m) => desiredOf(m)));
  assert.deepEqual(hookWaves(hooks.PreSync).map((group) => group.map((h) => `${h.key.kind}/${h.key.name}`)), [['Job/z'], ['ConfigMap/c', 'Job/a', 'Job/b']]);
  assert.deepEqual(hookWaves([]), []);
});

test('validateSyncAnnotations: each problem with file, line and field', () => {
  const at = (m: Manifest, line: number) => desiredOf(m, 'k8s/app.yaml', line);
  const problems = validateSyncAnnotations([
    at(kube('ConfigMap', 'ok', { 'argocd.argoproj.io/sync-wave': '-2' }), 1),
    at(kube('ConfigMap', 'bad-wave', { 'argocd.argoproj.io/sync-wave': 'first' }), 5),
    at(kube('Job', 'bad-weight', { 'helm.sh/hook': 'pre-install', 'helm.sh/hook-weight': 'x' }), 9),
    at(kube('Job', 'bad-type', { 'argocd.argoproj.io/hook': 'PreDelete' }), 12),
    at(kube('Job', 'empty-type', { 'trueup.dev/hook': '' }), 14),
    at(kube('Job', 'bad-policy', { 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'Always' }), 20),
    at(kube('ConfigMap', '', {}, { generateName: 'cm-' }), 30),
    at(kube('Job', '', { 'argocd.argoproj.io/hook': 'Sync' }), 40),
    at(hostManifest('File', 'f', { path: '/f' }), 50),
  ]);
  assert.deepEqual(problems.map((p) => `${p.file}:${p.line}: ${p.code} ${p.field}`), [
    'k8s/app.yaml:5: SYNC_WAVE_INVALID metadata.annotations.argocd.argoproj.io/sync-wave',
    'k8s/app.yaml:9: SYNC_WAVE_INVALID metadata.annotations.helm.sh/hook-weight',
    'k8s/app.yaml:12: HOOK_TYPE_INVALID metadata.annotations.argocd.argoproj.io/hook',
    'k8s/app.yaml:14: HOOK_TYPE_INVALID metadata.annotations.trueup.dev/hook',
    'k8s/app.yaml:20: HOOK_DELETE_POLICY_INVALID metadata.annotations.argocd.argoproj.io/hook-delete-policy',
    'k8s/app.yaml:30: GENERATE_NAME_NOT_HOOK metadata.generateName',
    'k8s/app.yaml:40: HOOK_NAME_MISSING metadata.name',
  ]);
  assert.equal(problems[0]?.message, 'sync wave "first" is not an integer');
  assert.equal(problems[2]?.message, 'unsupported hook type "PreDelete"; expected PreSync, Sync, PostSync, SyncFail or Skip');
  assert.equal(problems[0]?.key.name, 'bad-wave');
});

test('every phase is listed for a multi-phase hook', () => {
  const phases: HookPhase[] = ['PreSync', 'Sync', 'PostSync', 'SyncFail'];
  const { hooks } = splitHooks([desiredOf(kube('Job', 'all', { 'argocd.argoproj.io/hook': phases.join(',') }))]);
  for (const phase of phases) assert.deepEqual(hooks[phase].map((h) => h.phase), [phase]);
});
