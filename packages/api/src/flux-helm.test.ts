import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError } from './errors.ts';
import { fluxKey } from './flux.ts';
import { fromFluxHelmRelease, parseFluxHelmRepository, shortenReleaseName, type FluxHelmRepository } from './flux-helm.ts';
import { parseYamlDocuments } from './yaml.ts';

const FILE = 'apps/base/web.yaml';
const doc = (text: string) => parseYamlDocuments(text, FILE)[0]!;

function sources(spec = '{ url: "oci://registry.example.com/charts", type: oci, secretRef: { name: auth } }'): Map<string, FluxHelmRepository> {
  const repository = parseFluxHelmRepository(doc(`apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: { name: charts, namespace: flux-system }\nspec: ${spec}\n`), FILE);
  return new Map([[fluxKey('flux-system', 'charts'), repository]]);
}

const release = (spec: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: { name: web, namespace: flux-system }
spec:
  interval: 5m
  chart: { spec: { chart: web, version: 1.4.0, sourceRef: { kind: HelmRepository, name: charts } } }
${spec}`;

function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(isTrueupError(error));
    return `${error.location.field ?? ''}: ${error.message}`;
  }
  return assert.fail('expected an error');
}

test('a HelmRelease becomes an Application rendering the chart of its HelmRepository', () => {
  const { application } = fromFluxHelmRelease(doc(release(`  targetNamespace: shop
  values: { replicas: 2 }
  valuesFrom: [{ kind: Secret, name: web-secrets, valuesKey: creds.yaml }, { kind: ConfigMap, name: tags, valuesKey: tag, targetPath: image.tag, optional: true }]
  install: { createNamespace: true, remediation: { retries: 3 } }
  upgrade: { remediation: { retries: 5 } }
  dependsOn: [{ name: databases }]
  timeout: 4m
`)), FILE, sources());
  const { source, destination, syncPolicy, dependsOn } = application.spec;
  assert.equal(source.repoURL, 'oci://registry.example.com/charts');
  assert.equal(source.chart, 'web');
  assert.equal(source.ref, '1.4.0');
  assert.equal(source.helm?.releaseName, 'shop-web');
  assert.equal(source.helm?.namespace, 'shop');
  assert.deepEqual(source.helm?.valuesObject, { replicas: 2 });
  assert.deepEqual(source.helm?.valuesFrom, [
    { kind: 'Secret', name: 'web-secrets', valuesKey: 'creds.yaml', namespace: 'flux-system', optional: false },
    { kind: 'ConfigMap', name: 'tags', valuesKey: 'tag', targetPath: 'image.tag', optional: true, namespace: 'flux-system' },
  ]);
  assert.deepEqual(destination, { kubernetes: { namespace: 'shop' } });
  assert.deepEqual(syncPolicy.syncOptions, ['CreateNamespace=true']);
  assert.equal(syncPolicy.retry.limit, 5);
  assert.equal(syncPolicy.timeout, '4m');
  assert.deepEqual(dependsOn, ['databases']);
});

test('release names past 53 characters are shortened as Flux shortens them', () => {
  assert.equal(shortenReleaseName('short'), 'short');
  const long = `${'a'.repeat(50)}-web`;
  assert.match(shortenReleaseName(long), /^a{40}-[0-9a-f]{12}$/);
});

test('a version range follows the highest version in it (Flux\'s default: any, "*")', () => {
  const ref = (text: string) => fromFluxHelmRelease(doc(text), FILE, sources()).application.spec.source.ref;
  assert.equal(ref(release('')), '1.4.0');
  assert.equal(ref(release('').replace('version: 1.4.0', 'version: "1.x"')), 'semver:1.x');
  assert.equal(ref(release('').replace('version: 1.4.0, ', '')), 'semver:*');
});

test('what Trueup cannot honour is refused, naming the Flux field', () => {
  assert.match(failure(() => fromFluxHelmRelease(doc(release('').replace('version: 1.4.0', 'version: "not a range"')), FILE, sources())), /^spec\.chart\.spec\.version: "not a range" is not a semver range/);
  assert.match(failure(() => fromFluxHelmRelease(doc(release('  postRenderers: [{ kustomize: {} }]\n')), FILE, sources())), /^spec\.postRenderers: postRenderers are not supported/);
  assert.match(failure(() => fromFluxHelmRelease(doc(release('  test: { enable: true }\n')), FILE, sources())), /^spec\.test\.enable: Helm tests are not run/);
  assert.match(failure(() => fromFluxHelmRelease(doc(release('').replace('name: charts', 'name: other')), FILE, sources())), /^spec\.chart\.spec\.sourceRef\.name: HelmRepository flux-system\/other is not declared/);
  assert.match(failure(() => sources('{ url: "https://charts.example.com", type: oci }')), /^spec\.type: type oci needs an oci:\/\/ url/);
});
