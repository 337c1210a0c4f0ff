import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError } from './errors.ts';
import { fluxKey, fromFluxKustomization, parseFluxGitRepository, type FluxGitRepository } from './flux.ts';
import { parseYamlDocuments } from './yaml.ts';

const FILE = 'clusters/prod/apps.yaml';

function doc(text: string) {
  const [parsed] = parseYamlDocuments(text, FILE);
  assert.ok(parsed !== undefined);
  return parsed;
}

const repository = (ref = 'ref: { tag: v1.2.0 }', extra = '') => `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: { name: fleet, namespace: flux-system }
spec:
  url: ssh://git@git.example.com/org/fleet
  interval: 1m
  ${ref}
${extra}`;

const kustomization = (spec: string) => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: { name: apps, namespace: flux-system }
spec:
  interval: 10m
  sourceRef: { kind: GitRepository, name: fleet }
  path: ./apps/prod
  prune: true
${spec}`;

function sources(text = repository()): Map<string, FluxGitRepository> {
  const parsed = parseFluxGitRepository(doc(text), FILE);
  return new Map([[fluxKey(parsed.metadata.namespace, parsed.metadata.name), parsed]]);
}

function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(isTrueupError(error));
    return `${error.location.file ?? ''}:${error.location.line ?? ''} ${error.location.field ?? ''}: ${error.message}`;
  }
  return assert.fail('expected an error');
}

test('a Kustomization becomes an Application with the GitRepository as its source', () => {
  const { application } = fromFluxKustomization(doc(kustomization(`  retryInterval: 2m
  timeout: 3m
  targetNamespace: shop
  namePrefix: prod-
  images: [{ name: web, newName: registry.local/web, newTag: "2.0" }, { name: api, digest: "sha256:abc" }]
  components: [../../components/team]
  force: true
  dependsOn: [{ name: infrastructure }]
  postBuild: { substitute: { ENV: prod }, substituteFrom: [{ kind: Secret, name: vars, optional: true }] }
`)), FILE, sources());
  const { source, syncPolicy, destination, dependsOn } = application.spec;
  assert.equal(source.repoURL, 'ssh://git@git.example.com/org/fleet');
  assert.equal(source.ref, 'v1.2.0');
  assert.equal(source.path, 'apps/prod');
  assert.deepEqual(source.kustomize?.images, ['web=registry.local/web:2.0', 'api@sha256:abc']);
  assert.equal(source.kustomize?.namespace, 'shop');
  assert.equal(source.kustomize?.namePrefix, 'prod-');
  assert.equal(source.kustomize?.generate, true);
  assert.deepEqual(source.kustomize?.components, ['../../components/team']);
  assert.deepEqual(source.kustomize?.commonAnnotations, { 'trueup.dev/replace': 'true' });
  assert.deepEqual(source.postBuild, { substitute: { ENV: 'prod' }, substituteFrom: [{ kind: 'Secret', name: 'vars', optional: true, namespace: 'flux-system' }] });
  assert.deepEqual(destination, { kubernetes: { namespace: 'shop' } });
  assert.deepEqual(syncPolicy.automated, { prune: true, selfHeal: true, allowEmpty: false });
  assert.equal(syncPolicy.interval, '10m');
  assert.equal(syncPolicy.timeout, '3m');
  assert.deepEqual(syncPolicy.retry, { limit: -1, backoff: { duration: '2m', factor: 1, maxDuration: '2m' } });
  assert.deepEqual(dependsOn, ['infrastructure']);
});

test('suspend: nothing is changed, drift is still reported', () => {
  const { application } = fromFluxKustomization(doc(kustomization('  suspend: true\n')), FILE, sources());
  assert.equal(application.spec.syncPolicy.automated, undefined);
});

test('what Trueup cannot honour is refused, naming the Flux field and line', () => {
  assert.match(failure(() => fromFluxKustomization(doc(kustomization('  healthChecks: [{ kind: Deployment, name: web }]\n')), FILE, sources())), /:9 spec\.healthChecks\[0\]\.apiVersion: give the apiVersion of Deployment web/);
  assert.match(failure(() => fromFluxKustomization(doc(kustomization('  decryption: { provider: vault }\n')), FILE, sources())), /spec\.decryption\.provider: only the sops provider is supported/);
  assert.match(failure(() => fromFluxKustomization(doc(kustomization('  kubeConfig: { secretRef: { name: remote } }\n')), FILE, sources())), /spec\.kubeConfig: kubeConfig is not supported/);
  assert.match(failure(() => fromFluxKustomization(doc(kustomization('  deletionPolicy: WaitForTermination\n')), FILE, sources())), /spec\.deletionPolicy: must be one of "MirrorPrune", "Delete", "Orphan"/);
  assert.match(failure(() => fromFluxKustomization(doc(kustomization('  interval: often\n').replace('  interval: 10m\n', '')), FILE, sources())), /spec\.interval: expected a duration/);
  assert.match(failure(() => fromFluxKustomization(doc(kustomization('').replace('name: fleet', 'name: other')), FILE, sources())), /spec\.sourceRef\.name: GitRepository flux-system\/other is not declared/);
  assert.match(failure(() => fromFluxKustomization(doc(kustomization('').replace('kind: GitRepository', 'kind: OCIRepository')), FILE, sources())), /spec\.sourceRef\.kind: only a GitRepository source is supported/);
  assert.match(failure(() => parseFluxGitRepository(doc(repository('ref: { semver: "not a range" }')), FILE)), /spec\.ref\.semver: "not a range" is not a semver range/);
  assert.match(failure(() => parseFluxGitRepository(doc(repository('ref: { tag: v1, branch: main }')), FILE)), /spec\.ref: give one of branch, tag, semver, name or commit, not branch and tag/);
  assert.match(failure(() => parseFluxGitRepository(doc(repository('ref: { branch: main }', '  ignore: "/*\\n!/deploy"\n')), FILE)), /spec\.ignore: ignore is not supported/);
});

test('decryption with sops: the application decrypts, with the age keys of the secretRef', () => {
  const converted = fromFluxKustomization(doc(kustomization('  decryption: { provider: sops, secretRef: { name: sops-age } }\n')), FILE, sources());
  assert.deepEqual(converted.application.spec.decryption, { provider: 'sops', ageKeyFiles: [] });
  assert.equal(converted.decryptionSecret, 'flux-system/sops-age');
});

test('ref.semver: the source follows the highest tag in the range (a semver: ref)', () => {
  const { application } = fromFluxKustomization(doc(kustomization('')), FILE, sources(repository('ref: { semver: ">=1.0.0, <2.0.0" }')));
  assert.equal(application.spec.source.ref, 'semver:>=1.0.0, <2.0.0');
});

test('healthChecks and wait: objects whose health decides readiness; with wait: true, Flux ignores healthChecks', () => {
  const checks = '  healthChecks:\n    - { apiVersion: apps/v1, kind: Deployment, name: web, namespace: shop }\n    - { kind: HelmRelease, name: redis }\n';
  const listed = fromFluxKustomization(doc(kustomization(checks)), FILE, sources());
  assert.deepEqual(listed.application.spec.healthChecks, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' }, { kind: 'HelmRelease', name: 'redis' }]);
  assert.equal(listed.waitForChildren, false);
  const waiting = fromFluxKustomization(doc(kustomization(`${checks}  wait: true\n`)), FILE, sources());
  assert.equal(waiting.application.spec.healthChecks, undefined);
  assert.equal(waiting.waitForChildren, true);
});

test('deletionPolicy: what goes when Git drops the Kustomization and its parent prunes', () => {
  const prunes = (spec: string) => fromFluxKustomization(doc(kustomization(spec)), FILE, sources()).pruneWhenRemoved;
  assert.equal(prunes(''), true, 'MirrorPrune with prune: true');
  assert.equal(prunes('  deletionPolicy: Orphan\n'), false);
  assert.equal(fromFluxKustomization(doc(kustomization('').replace('prune: true', 'prune: false')), FILE, sources()).pruneWhenRemoved, false, 'MirrorPrune with prune: false');
  assert.equal(fromFluxKustomization(doc(kustomization('  deletionPolicy: Delete\n').replace('prune: true', 'prune: false')), FILE, sources()).pruneWhenRemoved, true);
});
