/** Kustomize through the real `kustomize` binary (tools/kube-testenv/build.sh). */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { KustomizeSourceSchema, parseYamlDocuments, type DesiredObject } from '@trueup/api';
import { requireKubeTools } from '@trueup/testkit';
import { captureError, fixture, scratchRepo } from '../test-helpers.ts';
import { renderKubernetesManifests, type RenderKubernetesOptions } from './render-kubernetes.ts';

const REPO = fixture('kube', 'repo');

function tools(t: TestContext): { kustomize: string; helm: string } | undefined {
  const bin = requireKubeTools(t);
  return bin === undefined ? undefined : { kustomize: path.join(bin, 'kustomize'), helm: path.join(bin, 'helm') };
}

function summary(objects: readonly DesiredObject[]): string[] {
  return objects.map((o) => `${o.key.kind}/${o.key.namespace ?? ''}/${o.key.name} ${o.origin.file}:${o.origin.line}`);
}

function imageOf(object: DesiredObject | undefined): unknown {
  const spec = object?.manifest['spec'] as { template: { spec: { containers: { image: string }[] } } } | undefined;
  return spec?.template.spec.containers[0]?.image;
}

test('kustomize: a base through an overlay, origins mapped to the resource files', async (t) => {
  const bins = tools(t);
  if (bins === undefined) return;
  const { tool, objects } = await renderKubernetesManifests({ checkoutDir: REPO, path: 'kustomize/overlay', application: 'api', tools: bins });
  assert.equal(tool, 'kustomize');
  assert.deepEqual(summary(objects), [
    'Service/staging/staging-api kustomize/base/service.yaml:1',
    'Deployment/staging/staging-api kustomize/base/deployment.yaml:1',
  ]);
  assert.equal(imageOf(objects[1]), 'registry.local/api:1.1.0');
  // The origin annotation asked for by the overlay is gone: the objects are what a plain build prints.
  assert.deepEqual(objects[1]?.manifest.metadata, { name: 'staging-api', namespace: 'staging' });
});

test('kustomize: the output equals a direct kustomize build of the folder', async (t) => {
  const bins = tools(t);
  if (bins === undefined) return;
  const { stdout } = await promisify(execFile)(bins.kustomize, ['build', path.join(REPO, 'kustomize/overlay')]);
  const direct = parseYamlDocuments(stdout, 'direct').map((doc) => doc.value);
  const { objects } = await renderKubernetesManifests({ checkoutDir: REPO, path: 'kustomize/overlay', application: 'api', tools: bins });
  assert.deepEqual(objects.map((o) => o.manifest), direct);
});

test('kustomize: Application options (image override, namePrefix, labels, annotations) through an overlay', async (t) => {
  const bins = tools(t);
  if (bins === undefined) return;
  const options: RenderKubernetesOptions = {
    checkoutDir: REPO, path: 'kustomize/overlay', application: 'api', tools: bins,
    kustomize: KustomizeSourceSchema.parse({
      namePrefix: 'prod-', nameSuffix: '-v2', images: ['registry.local/api=mirror.local/api:2.0.0'],
      commonLabels: { team: 'web' }, commonAnnotations: { 'example.com/owner': 'ops' },
    }),
  };
  const { objects } = await renderKubernetesManifests(options);
  assert.deepEqual(summary(objects), [
    'Service/staging/prod-staging-api-v2 kustomize/base/service.yaml:1',
    'Deployment/staging/prod-staging-api-v2 kustomize/base/deployment.yaml:1',
  ]);
  const deployment = objects[1];
  assert.equal(imageOf(deployment), 'mirror.local/api:2.0.0');
  assert.deepEqual(deployment?.manifest.metadata.labels, { team: 'web' });
  assert.deepEqual(deployment?.manifest.metadata.annotations, { 'example.com/owner': 'ops' });
});

test('kustomize: namespace, replicas and inline patches, as Argo CD passes them', async (t) => {
  const bins = tools(t);
  if (bins === undefined) return;
  const { objects } = await renderKubernetesManifests({
    checkoutDir: REPO, path: 'kustomize/overlay', application: 'api', tools: bins,
    kustomize: KustomizeSourceSchema.parse({
      namespace: 'prod',
      replicas: [{ name: 'staging-api', count: 4 }],
      patches: [
        { target: { kind: 'Deployment', name: 'staging-api' }, patch: '- op: add\n  path: /spec/template/metadata/annotations\n  value: { patched: json6902 }\n' },
        { patch: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: staging-api\n  namespace: staging\n  labels: { patched: strategic }\n' },
      ],
    }),
  });
  assert.deepEqual(summary(objects), [
    'Service/prod/staging-api kustomize/base/service.yaml:1',
    'Deployment/prod/staging-api kustomize/base/deployment.yaml:1',
  ]);
  assert.equal((objects[1]?.manifest['spec'] as { replicas: number }).replicas, 4);
  assert.deepEqual((objects[1]?.manifest['spec'] as { template: { metadata: { annotations: unknown } } }).template.metadata.annotations, { patched: 'json6902' });
  assert.equal(objects[0]?.manifest.metadata.labels?.['patched'], 'strategic');
});

test('kustomize: the user\'s own buildMetadata is kept, origin annotations relative to their kustomization', async (t) => {
  const bins = tools(t);
  if (bins === undefined) return;
  const scratch = await scratchRepo();
  t.after(() => scratch.remove());
  await scratch.write('apps/web/kustomization.yaml', 'resources:\n  - cm.yaml\nbuildMetadata: [originAnnotations]\nconfigMapGenerator:\n  - name: gen\n    literals: [a=b]\n');
  await scratch.write('apps/web/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n');
  const { objects } = await renderKubernetesManifests({ checkoutDir: scratch.repo, path: 'apps/web', application: 'web', tools: bins, kustomize: KustomizeSourceSchema.parse({ namePrefix: 'p-' }) });
  assert.deepEqual(summary(objects), ['ConfigMap//p-gen-4h2mbtbbt6 apps/web/kustomization.yaml:1', 'ConfigMap//p-plain apps/web/cm.yaml:1']);
  assert.deepEqual(objects.map((o) => o.manifest.metadata.annotations?.['config.kubernetes.io/origin']), [
    'configuredIn: kustomization.yaml\nconfiguredBy:\n  apiVersion: builtin\n  kind: ConfigMapGenerator\n',
    'path: cm.yaml\n',
  ]);
});

test('kustomize: a missing resource fails with kustomize\'s message and renders nothing', async (t) => {
  const bins = tools(t);
  if (bins === undefined) return;
  const error = await captureError(renderKubernetesManifests({ checkoutDir: REPO, path: 'kustomize/broken', application: 'api', tools: bins }));
  assert.equal(error.code, 'RENDER_TOOL_FAILED');
  assert.equal(error.file, 'kustomize/broken');
  assert.match(error.message, /^kustomize build failed rendering kustomize\/broken: Error: accumulating resources/);
  assert.match(error.message, /missing\.yaml/);
  assert.ok(!error.message.includes(REPO) && !error.message.includes('../'), `the machine's paths are not shown: ${error.message}`);
  assert.match(error.message, /accumulating resources from 'missing\.yaml'/);
});

test('kustomize: forced on a folder with no kustomization, kustomize says so', async (t) => {
  const bins = tools(t);
  if (bins === undefined) return;
  const error = await captureError(renderKubernetesManifests({ checkoutDir: REPO, path: 'plain', application: 'web', tools: bins, kustomize: KustomizeSourceSchema.parse({}) }));
  assert.equal(error.code, 'RENDER_TOOL_FAILED');
  assert.match(error.message, /rendering plain: .*kustomization/);
});

test('kustomize: a symlink out of the checkout is refused before kustomize runs', async (t) => {
  const scratch = await scratchRepo(path.join(REPO, 'kustomize'));
  t.after(() => scratch.remove());
  await writeFile(path.join(scratch.root, 'outside.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: outside\n');
  await scratch.link('base/leak.yaml', path.join(scratch.root, 'outside.yaml'));
  const error = await captureError(renderKubernetesManifests({ checkoutDir: scratch.repo, path: 'overlay', application: 'api', tools: { kustomize: '/nonexistent/kustomize' } }));
  assert.deepEqual(error, { code: 'RENDER_PATH_ESCAPES_REPO', file: 'base/leak.yaml', message: 'base/leak.yaml is a symlink leading outside the repository' });
});

test('kustomize: a missing binary names the tool and the path', async () => {
  const error = await captureError(renderKubernetesManifests({ checkoutDir: REPO, path: 'kustomize/overlay', application: 'api', tools: { kustomize: '/nonexistent/kustomize' } }));
  assert.equal(error.code, 'RENDER_TOOL_MISSING');
  assert.match(error.message, /kustomize is needed to render kustomize\/overlay but "\/nonexistent\/kustomize" was not found/);
});
