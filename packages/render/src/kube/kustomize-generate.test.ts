/** Flux's way with a folder that has no kustomization, through the real kustomize. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { KustomizeSourceSchema } from '@trueup/api';
import { requireKubeTools } from '@trueup/testkit';
import { captureError, scratchRepo } from '../test-helpers.ts';
import { renderKubernetesManifests } from './render-kubernetes.ts';

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata: { a: b }\n`;

test('a folder without a kustomization is built as Flux builds it, with namespace, prefix and components; origins name the files', async (t) => {
  const bin = requireKubeTools(t);
  if (bin === undefined) return;
  const scratch = await scratchRepo();
  t.after(() => scratch.remove());
  await scratch.write('apps/prod/one.yaml', cm('one'));
  await scratch.write('apps/prod/nested/two.yml', cm('two'));
  await scratch.write('apps/prod/notes.yaml', 'just: some values\n');
  await scratch.write('apps/prod/base/kustomization.yaml', 'resources: [three.yaml]\n');
  await scratch.write('apps/prod/base/three.yaml', cm('three'));
  await scratch.write('components/labels/kustomization.yaml', 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonLabels: { team: shop }\n');
  const render = (extra: Record<string, unknown>) => renderKubernetesManifests({
    checkoutDir: scratch.repo, path: 'apps/prod', application: 'web',
    kustomize: KustomizeSourceSchema.parse({ generate: true, namespace: 'shop', namePrefix: 'prod-', ...extra }), tools: { kustomize: path.join(bin, 'kustomize') },
  });
  const { objects } = await render({ components: ['../../components/labels'] });
  assert.deepEqual(objects.map((o) => `${o.key.namespace ?? ''}/${o.key.name} ${o.origin.file} ${JSON.stringify(o.manifest.metadata.labels ?? {})}`).sort(), [
    'shop/prod-one apps/prod/one.yaml {"team":"shop"}',
    'shop/prod-three apps/prod/base/three.yaml {"team":"shop"}',
    'shop/prod-two apps/prod/nested/two.yml {"team":"shop"}',
  ]);
  const escape = await captureError(render({ components: ['../../../outside'] }));
  assert.equal(escape.code, 'RENDER_PATH_ESCAPES_REPO');
});
