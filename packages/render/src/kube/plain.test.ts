import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HelmSourceSchema, KustomizeSourceSchema, type DirectorySource } from '@trueup/api';
import { renderKubernetesManifests } from './render-kubernetes.ts';
import { captureError, fixture, scratchRepo } from '../test-helpers.ts';

const REPO = fixture('kube', 'repo');

function render(path: string, extra: { limits?: { maxObjects?: number } } = {}): ReturnType<typeof renderKubernetesManifests> {
  // No binaries: a plain folder must never need kustomize or helm.
  return renderKubernetesManifests({ checkoutDir: REPO, path, application: 'web', tools: { kustomize: '/nonexistent/kustomize', helm: '/nonexistent/helm' }, ...extra });
}

test('plain: nested folders, multi-document YAML, JSON and a List, in file order', async () => {
  const { tool, objects } = await render('plain');
  assert.equal(tool, 'plain');
  assert.deepEqual(objects.map((o) => [o.key, o.origin]), [
    [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'settings' }, { file: 'plain/apps/config/settings.json', line: 1 }],
    [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, { file: 'plain/apps/deploy.yaml', line: 2 }],
    [{ apiVersion: 'v1', kind: 'Service', namespace: 'web', name: 'web' }, { file: 'plain/apps/deploy.yaml', line: 24 }],
    [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'from-list' }, { file: 'plain/list.yml', line: 4 }],
    [{ apiVersion: 'v1', kind: 'ServiceAccount', name: 'from-list' }, { file: 'plain/list.yml', line: 10 }],
    [{ apiVersion: 'v1', kind: 'Namespace', name: 'web' }, { file: 'plain/namespace.yaml', line: 1 }],
  ]);
  assert.deepEqual(objects[0]?.manifest['data'], { mode: 'plain' });
  assert.equal((objects[1]?.manifest['spec'] as { replicas?: number }).replicas, 2);
});

test('plain: directory options, as Argo CD reads a folder: no subfolders unless recurse, include and exclude globs', async () => {
  const files = async (directory: DirectorySource) => [...new Set((await renderKubernetesManifests({ checkoutDir: REPO, path: 'plain', application: 'web', directory })).objects.map((o) => o.origin.file))];
  assert.deepEqual(await files({ recurse: false }), ['plain/list.yml', 'plain/namespace.yaml']);
  assert.deepEqual(await files({ recurse: true, include: '{apps/**,namespace.yaml}' }), ['plain/apps/config/settings.json', 'plain/apps/deploy.yaml', 'plain/namespace.yaml']);
  assert.deepEqual(await files({ recurse: true, exclude: '**/*.json' }), ['plain/apps/deploy.yaml', 'plain/list.yml', 'plain/namespace.yaml']);
  assert.deepEqual(await files({ recurse: false, include: '*.yaml' }), ['plain/namespace.yaml']);
});

test('plain: the path is a sub-folder, origins stay relative to the repository root', async () => {
  const { objects } = await render('plain/apps/config');
  assert.deepEqual(objects.map((o) => o.origin), [{ file: 'plain/apps/config/settings.json', line: 1 }]);
});

test('plain: an explicit empty namespace means none, and no namespace is defaulted', async () => {
  const scratch = await scratchRepo();
  try {
    await scratch.write('k8s/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: ""\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  namespace: null\n');
    const { objects } = await renderKubernetesManifests({ checkoutDir: scratch.repo, path: 'k8s', application: 'web', namespace: 'prod' });
    assert.deepEqual(objects.map((o) => o.key), [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'a' }, { apiVersion: 'v1', kind: 'ConfigMap', name: 'b' }]);
    assert.deepEqual(objects.map((o) => o.manifest.metadata), [{ name: 'a' }, { name: 'b' }]);
  } finally {
    await scratch.remove();
  }
});

test('plain: an empty folder renders nothing; one that holds only files it does not read is an error naming them, unless allowEmpty', async () => {
  const scratch = await scratchRepo();
  try {
    await scratch.write('empty/.keep', '');
    assert.deepEqual(await renderKubernetesManifests({ checkoutDir: scratch.repo, path: 'empty', application: 'web' }), { tool: 'plain', objects: [] });
    await scratch.write('k8s/notes.txt', 'nothing here');
    await scratch.write('k8s/lib/app.libsonnet', '{}');
    const error = await captureError(renderKubernetesManifests({ checkoutDir: scratch.repo, path: 'k8s', application: 'web' }));
    assert.equal(error.code, 'API_FIELD_INVALID');
    assert.match(error.message, /^k8s yields no objects, but holds files that are not read: k8s\/notes\.txt, k8s\/lib\/app\.libsonnet\. Only \.yaml, \.yml, \.json and \.jsonnet files are read in a plain folder; set syncPolicy\.automated\.allowEmpty if empty is intended/);
    assert.deepEqual(await renderKubernetesManifests({ checkoutDir: scratch.repo, path: 'k8s', application: 'web', allowEmpty: true }), { tool: 'plain', objects: [] });
    // Files left out by the directory options do not count.
    assert.deepEqual(await renderKubernetesManifests({ checkoutDir: scratch.repo, path: 'k8s', application: 'web', directory: { recurse: true, exclude: '{*.txt,lib/**}' } }), { tool: 'plain', objects: [] });
  } finally {
    await scratch.remove();
  }
});

interface Case {
  name: string;
  path: string;
  limits?: { maxObjects?: number };
  want: { code: string; file?: string; line?: number; field?: string };
  message?: RegExp;
}

const cases: Case[] = [
  { name: 'invalid YAML', path: 'bad/invalid-yaml', want: { code: 'API_YAML_INVALID', file: 'bad/invalid-yaml/cm.yaml', line: 11 } },
  { name: 'missing metadata.name', path: 'bad/missing-name', want: { code: 'API_FIELD_INVALID', file: 'bad/missing-name/cm.yaml', line: 8, field: 'metadata.name' } },
  { name: 'missing kind in a List item', path: 'bad/list-item', want: { code: 'API_FIELD_INVALID', file: 'bad/list-item/list.yaml', line: 8, field: 'items[1].kind' } },
  {
    name: 'the same object twice (same group, another version)', path: 'bad/duplicate',
    want: { code: 'API_DUPLICATE_NAME', file: 'bad/duplicate/b/b.yaml', line: 7, field: 'metadata.name' },
    message: /Deployment\/prod\/web \(apps\) is declared twice: at bad\/duplicate\/a\.yaml:1 and at bad\/duplicate\/b\/b\.yaml:7/,
  },
  { name: 'too many objects', path: 'plain', limits: { maxObjects: 3 }, want: { code: 'RENDER_LIMIT', file: 'plain/list.yml', line: 4 }, message: /more than 3 objects/ },
  { name: 'path outside the repository', path: '../x', want: { code: 'RENDER_PATH_ESCAPES_REPO', file: '../x' } },
  { name: 'path not found', path: 'nope', want: { code: 'RENDER_PATH_NOT_FOUND', file: 'nope' } },
];

for (const c of cases) {
  test(`plain, bad input: ${c.name}`, async () => {
    const { message, ...where } = await captureError(render(c.path, c.limits === undefined ? {} : { limits: c.limits }));
    assert.deepEqual(where, c.want, message);
    if (c.message !== undefined) assert.match(message, c.message);
  });
}

test('plain, bad input: a document that is not a mapping, and a metadata that is not one', async () => {
  const scratch = await scratchRepo();
  try {
    await scratch.write('a/list.yaml', '- apiVersion: v1\n');
    await scratch.write('b/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: web\n');
    await scratch.write('c/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 7\n');
    const render = (path: string): Promise<unknown> => renderKubernetesManifests({ checkoutDir: scratch.repo, path, application: 'web' });
    assert.deepEqual(await captureError(render('a')), { code: 'API_FIELD_INVALID', file: 'a/list.yaml', line: 1, field: '', message: 'expected a mapping with apiVersion, kind and metadata' });
    assert.deepEqual(await captureError(render('b')), { code: 'API_FIELD_INVALID', file: 'b/cm.yaml', line: 3, field: 'metadata', message: 'expected a mapping' });
    assert.deepEqual(await captureError(render('c')), { code: 'API_FIELD_INVALID', file: 'c/cm.yaml', line: 4, field: 'metadata.name', message: 'expected a non-empty string' });
  } finally {
    await scratch.remove();
  }
});

test('detect: helm and kustomize options together are refused', async () => {
  const error = await captureError(renderKubernetesManifests({
    checkoutDir: REPO, path: 'plain', application: 'web', helm: HelmSourceSchema.parse({}), kustomize: KustomizeSourceSchema.parse({}),
  }));
  assert.deepEqual(error, { code: 'API_FIELD_INVALID', field: 'spec.source', message: 'set at most one of spec.source.helm and spec.source.kustomize' });
});
