import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError, keyOf, type DesiredObject, type Manifest } from '@trueup/api';
import { splitChildApplications } from './child-applications.ts';
import type { LoadedApplication } from './load-applications.ts';

const parent: LoadedApplication = {
  file: '/etc/trueup/root.yaml',
  baseDir: '/etc/trueup',
  application: {
    apiVersion: 'trueup.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'root' },
    spec: {
      source: { repoURL: 'https://git.example.com/ops.git', ref: 'main', path: 'apps', credentials: { tokenFile: 'token' } },
      destination: { kubernetes: { kubeconfig: 'kubeconfig', context: 'prod' } },
      syncPolicy: { interval: '3m', retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } }, syncOptions: [] },
      ignoreDifferences: [],
      dependsOn: [],
    },
  },
};

function object(manifest: Manifest, line = 1): DesiredObject {
  return { key: keyOf(manifest), manifest, origin: { file: 'apps/children.yaml', line } };
}

const argoChild = object({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'web', namespace: 'argocd' },
  spec: {
    project: 'default',
    source: { repoURL: 'https://git.example.com/ops.git', targetRevision: 'main', path: 'web' },
    destination: { server: 'https://kubernetes.default.svc', namespace: 'web' },
    syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
  },
});

test('Application manifests in a render become child applications on the parent cluster', () => {
  const configMap = object({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
  const { resources, children } = splitChildApplications([configMap, argoChild], parent);
  assert.deepEqual(resources, [configMap]);
  const [child] = children;
  assert.equal(child?.application.metadata.name, 'web');
  assert.deepEqual(child?.application.spec.destination, { kubernetes: { namespace: 'web', kubeconfig: 'kubeconfig', context: 'prod' } });
  assert.deepEqual(child?.application.spec.source.credentials, { tokenFile: 'token' });
  assert.equal(child?.application.spec.syncPolicy.automated?.prune, true);
  assert.equal(child?.baseDir, '/etc/trueup');
});

test('a child from another repository gets no credentials', () => {
  const other = object({ ...argoChild.manifest, spec: { ...argoChild.manifest.spec, source: { repoURL: 'https://git.example.com/other.git', path: '.' } } });
  const [child] = splitChildApplications([other], parent).children;
  assert.equal(child?.application.spec.source.credentials, undefined);
});

test('a child naming a kubeconfig, credential files or a host is refused with its file and line', () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ destination: { kubernetes: { kubeconfig: '/root/.kube/config' } } }, 'spec.destination.kubernetes'],
    [{ destination: { host: { root: '/' } } }, 'spec.destination'],
    [{ destination: { kubernetes: {} }, source: { repoURL: 'https://git.example.com/ops.git', credentials: { sshKeyFile: '/root/.ssh/id_ed25519' } } }, 'spec.source.credentials'],
  ];
  for (const [spec, field] of cases) {
    const manifest: Manifest = { apiVersion: 'trueup.dev/v1alpha1', kind: 'Application', metadata: { name: 'evil' }, spec: { source: { repoURL: 'https://git.example.com/ops.git' }, ...spec } };
    assert.throws(() => splitChildApplications([object(manifest, 7)], parent), (error: unknown) => {
      assert.ok(isTrueupError(error, 'AGENT_CHILD_APPLICATION_REFUSED'), String(error));
      assert.equal(error.location.file, 'apps/children.yaml');
      assert.equal(error.location.line, 7);
      assert.equal(error.location.field, field);
      return true;
    });
  }
});

test('a child Git declares with a field Trueup cannot honour is refused as the child, not the parent', () => {
  const plugin = object({ ...argoChild.manifest, metadata: { name: 'cmp' }, spec: { ...argoChild.manifest.spec, source: { repoURL: 'https://git.example.com/ops.git', path: 'cmp', plugin: { name: 'tanka' } } } }, 12);
  const { children } = splitChildApplications([argoChild, plugin], parent);
  assert.deepEqual(children.map((c) => [c.application.metadata.name, c.refused?.code]), [['web', undefined], ['cmp', 'API_FIELD_INVALID']]);
  const refused = children[1]?.refused;
  assert.equal(refused?.file, 'apps/children.yaml');
  assert.equal(refused?.field, 'spec.source.plugin');
  assert.match(refused?.message ?? '', /config management plugins are not supported/);
  assert.deepEqual(children[1]?.application.spec.source, { repoURL: 'https://git.example.com/ops.git', ref: 'HEAD', path: 'cmp' });
  assert.deepEqual(children[1]?.declared, { apiVersion: 'argoproj.io/v1alpha1', file: 'apps/children.yaml', line: 12 });
  // Without a name there is no child to blame: the parent's error.
  const nameless = object({ ...plugin.manifest, metadata: { name: '' } });
  assert.throws(() => splitChildApplications([nameless], parent), /plugins are not supported|name/);
});
