/** Which file holds the Helm value that wins: the last values file that sets the key, else values.yaml; a layer outside the repository refuses. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { planCommit } from './plan.ts';
import { valuesFileFor } from './helm-values-layer.ts';

const FILES: Record<string, string> = {
  'c/values.yaml': 'image:\n  tag: "1"\nlevel: "1"\n',
  'c/values-prod.yaml': 'image:\n  tag: "2"\n',
  'c/values-eu.yaml': '# eu\nlevel: "3"\n',
  'c/templates/d.yaml': 'spec:\n  image: {{ .Values.image.tag }}\n  level: {{ .Values.level | quote }}\n',
};
const read = (file: string): string | undefined => FILES[file];
const FILES_LAYERS = [{ what: 'valueFiles[0]', file: 'c/values-prod.yaml' }];
const files = [{ what: 'valueFiles[0]', file: 'c/values-prod.yaml' }, { what: 'valueFiles[1]', file: 'c/values-eu.yaml' }, { what: 'valueFiles[2] (missing)', file: 'c/values-gone.yaml' }];

test('values file for a key: the last file that sets it, values.yaml when none does; outside layers refuse only the keys they set', () => {
  const cases = [
    { key: 'image.tag', layers: files, want: 'c/values-prod.yaml' },
    { key: 'level', layers: files, want: 'c/values-eu.yaml' },
    { key: 'other', layers: files, want: 'c/values.yaml' },
    { key: 'level', layers: [], want: 'c/values.yaml' },
    { key: 'level', layers: [...files, { what: 'the parameter image.tag (--set)', keys: ['image.tag'] }], want: 'c/values-eu.yaml' },
  ];
  for (const { key, layers, want } of cases) assert.equal(valuesFileFor(read, 'c/values.yaml', key, layers).file, want, key);
  const refusals = [
    { key: 'image.tag', keys: ['image.tag'], says: /"image\.tag" is set by the Secret \(at "image\.tag"\)/ },
    { key: 'image.tag', keys: ['image'], says: /at "image"/ },
    { key: 'image', keys: ['image.tag'], says: /at "image\.tag"/ },
  ];
  for (const { key, keys, says } of refusals) {
    assert.throws(() => valuesFileFor(read, 'c/values.yaml', key, [...files, { what: 'the Secret', keys }]), (error: unknown) => isTrueupError(error, 'GITOPS_VALUE_NOT_IN_REPO') && says.test(error.message), key);
  }
  // A layer below a file that sets the key does not matter: the file wins over it.
  assert.equal(valuesFileFor(read, 'c/values.yaml', 'level', [{ what: 'an earlier file of another checkout', keys: ['level'] }, ...files]).file, 'c/values-eu.yaml');
});

test('a values edit with layers is planned into the winning file, bytes kept, and checked against the rendered value there', () => {
  const edit = { file: 'c/values.yaml', key: 'spec.level', value: '7', valuesOf: { template: 'c/templates/d.yaml', field: 'spec.level', layers: files } };
  const plan = planCommit(read, [{ ...edit, expect: '3' }], { origin: { source: 'adopt' } });
  assert.equal(plan.action, 'commit');
  if (plan.action !== 'commit') return;
  assert.deepEqual([...plan.files], [['c/values-eu.yaml', '# eu\nlevel: "7"\n']]);
  assert.deepEqual(plan.changes.map((c) => [c.file, c.key, c.from, c.to]), [['c/values-eu.yaml', 'level', '3', '7']]);
  assert.throws(() => planCommit(read, [{ ...edit, expect: '1' }], { origin: { source: 'adopt' } }), (error: unknown) => isTrueupError(error, 'GITOPS_VALUE_DIFFERS'));
});

const APP = [
  '# the first document is another Application',
  'apiVersion: argoproj.io/v1alpha1',
  'kind: Application',
  'metadata: { name: other }',
  '---',
  'apiVersion: argoproj.io/v1alpha1',
  'kind: Application',
  'metadata:',
  '  name: web',
  'spec:',
  '  source:',
  '    helm:',
  '      valuesObject:',
  '        image:',
  '          tag: "3"  # pinned by hand',
  '        level: "2"',
  '',
].join('\n');

test('a key the Application\'s own valuesObject sets is written there when its file is in the repository: exactly that line changes', () => {
  const inline = (inRepo: boolean, string = false) => ({ what: 'the valuesObject of the Application', keys: ['image.tag', 'level'], application: { file: 'apps/web.yaml', line: 6, at: string ? 'spec.source.helm.values' : 'spec.source.helm.valuesObject', ...(inRepo ? {} : { outside: 'the agent loaded it from a local path' }), string } });
  const files: Record<string, string> = { ...FILES, 'apps/web.yaml': APP };
  const readApp = (file: string): string | undefined => files[file];
  const edit = { file: 'c/values.yaml', key: 'spec.image', value: '4', expect: '3', valuesOf: { template: 'c/templates/d.yaml', field: 'spec.image', layers: [...FILES_LAYERS, inline(true)] } };
  const plan = planCommit(readApp, [edit], { origin: { source: 'adopt' } });
  assert.equal(plan.action, 'commit');
  if (plan.action !== 'commit') return;
  const after = plan.files.get('apps/web.yaml') ?? '';
  const changed = APP.split('\n').flatMap((line, index) => (line === after.split('\n')[index] ? [] : [[line, after.split('\n')[index]]]));
  assert.deepEqual(changed, [['          tag: "3"  # pinned by hand', '          tag: "4"  # pinned by hand']]);
  assert.deepEqual(plan.changes.map((c) => [c.file, c.key, c.line, c.from, c.to]), [['apps/web.yaml', 'spec.source.helm.valuesObject.image.tag', 15, '3', '4']]);
  assert.throws(() => planCommit(readApp, [{ ...edit, expect: '9' }], { origin: { source: 'adopt' } }), (error: unknown) => isTrueupError(error, 'GITOPS_VALUE_DIFFERS'));
  const refusals = [
    { layer: inline(false), key: 'image.tag', says: /set by the valuesObject of the Application \(at "image\.tag"\), in the Application file apps\/web\.yaml:6 spec\.source\.helm\.valuesObject, which is not in the Git repository \(the agent loaded it from a local path\)/ },
    { layer: inline(true, true), key: 'level', says: /in the Application file apps\/web\.yaml:6 spec\.source\.helm\.values: a values string \(not a mapping\) is not edited in place; change "level" there by hand/ },
    { layer: inline(true), key: 'image', says: /apps\/web\.yaml:6 spec\.source\.helm\.valuesObject: the key is above values set there, not one value of it; change "image\.tag" there by hand/ },
  ];
  for (const { layer, key, says } of refusals) {
    assert.throws(() => valuesFileFor(readApp, 'c/values.yaml', key, [layer]), (error: unknown) => isTrueupError(error, 'GITOPS_VALUE_NOT_IN_REPO') && says.test(error.message) && error.location.file === 'apps/web.yaml' && error.location.line === 6, key);
  }
});
