import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyOf, type DesiredObject, type Manifest } from '@trueup/api';
import { substituteVariables } from './post-build.ts';

const object = (manifest: Manifest): DesiredObject => ({ key: keyOf(manifest), manifest, origin: { file: 'apps/web.yaml', line: 3 } });

test('Flux substitution: values, defaults, escapes, numbers stay numbers, disabled objects untouched', () => {
  const [web, off] = substituteVariables([
    object({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web-${ENV}', namespace: '${NS:=shop}' },
      spec: { replicas: '${REPLICAS}', template: { metadata: { annotations: { a: '${MISSING}', b: '${EMPTY:-fallback}', c: '${EMPTY-kept}', d: '$${KEEP}', e: '$HOME' } } } },
    }),
    object({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'script', annotations: { 'kustomize.toolkit.fluxcd.io/substitute': 'disabled' } }, data: { run: 'echo ${ENV}' } }),
  ], { ENV: 'prod', REPLICAS: '3', EMPTY: '' });
  assert.equal(web?.manifest.metadata.name, 'web-prod');
  assert.deepEqual(web?.key, { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web-prod' });
  const spec = web?.manifest.spec as { replicas: unknown; template: { metadata: { annotations: Record<string, string> } } };
  assert.equal(spec.replicas, 3);
  // As in Flux, an empty plain scalar is YAML's null.
  assert.deepEqual(spec.template.metadata.annotations, { a: null, b: 'fallback', c: null, d: '${KEEP}', e: '$HOME' });
  assert.deepEqual(off?.manifest['data'], { run: 'echo ${ENV}' });
});

test('Flux substitution: an operator Trueup does not support is refused, naming the object', () => {
  assert.throws(() => substituteVariables([object({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: '${ENV:1:2}' } })], {}), (error: Error & { location?: { file?: string } }) => {
    assert.match(error.message, /ConfigMap\/x: \$\{ENV:1:2\} is not a substitution Trueup supports/);
    assert.equal(error.location?.file, 'apps/web.yaml');
    return true;
  });
});
