/** RespectIgnoreDifferences=true: what ignoreDifferences ignores keeps its live value in what is applied. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyOf, type IgnoreDifference, type LiveObject, type Manifest } from '@trueup/api';
import { planPass } from './plan.ts';
import { objectToApply } from './respect-ignore.ts';
import { desiredOf } from './testing.ts';

const container = (name: string, image: string) => ({ name, image });

function deployment(replicas: number, containers: { name: string; image: string }[], annotations?: Record<string, string>): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', ...(annotations === undefined ? {} : { annotations }) },
    spec: { replicas, template: { spec: { containers } } },
  };
}

const rule = (fields: Partial<IgnoreDifference>): IgnoreDifference => ({ group: 'apps', kind: 'Deployment', jsonPointers: [], managedFieldsManagers: [], jqPathExpressions: [], ...fields });
const sidecar = '.spec.template.spec.containers[] | select(.name == "istio-proxy")';

function applied(git: Manifest, live: Manifest | undefined, rules: IgnoreDifference[], respect = true): Manifest {
  const observed: LiveObject = { key: keyOf(git), manifest: live };
  return objectToApply(desiredOf(git, 'k8s/web.yaml'), observed, { ignoreDifferences: rules, respectIgnoreDifferences: respect }).manifest;
}

test('respect: an ignored pointer takes the live value; without the option Git\'s value is applied', () => {
  const git = deployment(1, [container('web', 'web:2')]);
  const live = deployment(5, [container('web', 'web:1')]);
  const rules = [rule({ jsonPointers: ['/spec/replicas'] })];
  assert.equal(applied(git, live, rules).spec?.replicas, 5);
  assert.deepEqual((applied(git, live, rules).spec?.template as { spec: { containers: unknown[] } }).spec.containers[0], container('web', 'web:2'));
  assert.equal(applied(git, live, rules, false).spec?.replicas, 1);
  assert.equal(git.spec?.replicas, 1, 'Git\'s object is not changed');
});

test('respect: a jq select keeps the live item, found in Git\'s list by its name; an item Git does not list is not added', () => {
  const rules = [rule({ jqPathExpressions: [sidecar] })];
  const containersOf = (m: Manifest) => (m.spec?.template as { spec: { containers: unknown[] } }).spec.containers;
  const same = applied(deployment(1, [container('web', 'web:2'), container('istio-proxy', 'proxy:1.21')]), deployment(1, [container('web', 'web:1'), container('istio-proxy', 'proxy:1.20')]), rules);
  assert.deepEqual(containersOf(same), [container('web', 'web:2'), container('istio-proxy', 'proxy:1.20')]);
  const swapped = applied(deployment(1, [container('web', 'web:2'), container('istio-proxy', 'proxy:1.21')]), deployment(1, [container('istio-proxy', 'proxy:1.20'), container('web', 'web:1')]), rules);
  assert.deepEqual(containersOf(swapped), [container('web', 'web:2'), container('istio-proxy', 'proxy:1.20')], 'found by name, whatever the order');
  const injected = applied(deployment(1, [container('web', 'web:2')]), deployment(1, [container('web', 'web:1'), container('istio-proxy', 'proxy:1.20')]), rules);
  assert.deepEqual(containersOf(injected), [container('web', 'web:2')], 'an item Git does not list is not added');
});

test('respect: an ignored field live lacks is left out; a new object is applied as Git says', () => {
  const rules = [rule({ jsonPointers: ['/metadata/annotations/injected'] })];
  const git = deployment(1, [container('web', 'web:2')], { injected: 'from-git', team: 'shop' });
  assert.deepEqual(applied(git, deployment(1, [container('web', 'web:1')], { team: 'shop' }), rules).metadata.annotations, { team: 'shop' });
  assert.deepEqual(applied(git, undefined, rules), git);
});

test('respect: the plan applies the object with the live values of what is ignored', () => {
  const git = desiredOf(deployment(1, [container('web', 'web:2')]), 'k8s/web.yaml');
  const live: LiveObject = { key: git.key, manifest: deployment(5, [container('web', 'web:1')]) };
  const plan = planPass({ desired: [git], live: [live], options: { ignoreDifferences: [rule({ jsonPointers: ['/spec/replicas'] })], respectIgnoreDifferences: true } });
  const [step] = plan.waves.flatMap((wave) => wave.steps);
  assert.equal(step?.desired?.manifest.spec?.replicas, 5);
});

test('respect: fields an ignored manager owns keep their live value; fields Trueup co-owns follow Git', () => {
  const managedFields = (entries: Array<[string, unknown]>) => entries.map(([manager, fieldsV1]) => ({ manager, operation: 'Update', fieldsType: 'FieldsV1', fieldsV1 }));
  const live = deployment(5, [container('web', 'web:1')]);
  live.metadata['managedFields'] = managedFields([
    ['hpa', { 'f:spec': { 'f:replicas': {} } }],
    ['trueup', { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {} } } } } } }],
    ['image-bot', { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:image': {} } } } } } }],
  ]);
  const git = deployment(1, [container('web', 'web:2')]);
  const manifest = applied(git, live, [rule({ managedFieldsManagers: ['hpa', 'image-bot'] })]);
  assert.equal(manifest.spec?.replicas, 5, 'the autoscaler\'s replicas');
  assert.deepEqual((manifest.spec?.template as { spec: { containers: unknown[] } }).spec.containers, [container('web', 'web:2')], 'Trueup co-owns the image: Git decides');
});
