import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError, KustomizeSourceSchema } from '@trueup/api';
import { overlayFields } from './kustomize.ts';
import { parseImageOverride } from './kustomize-images.ts';

const DIGEST = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

const cases = [
  { text: 'nginx:1.27', want: { name: 'nginx', newTag: '1.27' } },
  { text: `nginx@${DIGEST}`, want: { name: 'nginx', digest: DIGEST } },
  { text: 'registry.local:5000/team/api:2.0', want: { name: 'registry.local:5000/team/api', newTag: '2.0' } },
  { text: 'nginx=registry.local/mirror/nginx:1.27', want: { name: 'nginx', newName: 'registry.local/mirror/nginx', newTag: '1.27' } },
  { text: 'nginx=registry.local/mirror/nginx', want: { name: 'nginx', newName: 'registry.local/mirror/nginx' } },
  { text: `api=registry.local:5000/api@${DIGEST}`, want: { name: 'api', newName: 'registry.local:5000/api', digest: DIGEST } },
];

for (const { text, want } of cases) {
  test(`image override ${text}`, () => assert.deepEqual(parseImageOverride(text, 0), want));
}

for (const text of ['nginx', 'nginx:', '=nginx:1', 'nginx: 1.2', 'registry.local:5000/api']) {
  test(`image override ${JSON.stringify(text)} is refused, naming the field`, () => {
    assert.throws(() => parseImageOverride(text, 2), (error) => isTrueupError(error, 'API_FIELD_INVALID') && error.location.field === 'spec.source.kustomize.images[2]');
  });
}

test('overlayFields: no overlay when the options change nothing', () => {
  assert.equal(overlayFields(undefined), undefined);
  assert.equal(overlayFields(KustomizeSourceSchema.parse({ namePrefix: '', commonLabels: {} })), undefined);
  assert.deepEqual(overlayFields(KustomizeSourceSchema.parse({ images: ['api:2'], nameSuffix: '-b', commonAnnotations: { team: 'ops' } })), {
    nameSuffix: '-b', images: [{ name: 'api', newTag: '2' }], commonAnnotations: { team: 'ops' },
  });
});
