import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError } from './errors.ts';
import { fromArgoApplication, isArgoApplication } from './argo-application.ts';
import { parseYamlDocuments } from './yaml.ts';

const argo = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: guestbook
  namespace: argocd
  finalizers: [resources-finalizer.argocd.argoproj.io]
spec:
  project: default
  source:
    repoURL: git@github.com:argoproj/argocd-example-apps.git
    targetRevision: HEAD
    path: helm-guestbook
    helm:
      releaseName: gb
      valueFiles: [values-production.yaml]
      parameters: [{ name: service.type, value: NodePort }]
  destination:
    server: https://kubernetes.default.svc
    namespace: guestbook
  syncPolicy:
    automated: { prune: true, selfHeal: true }
    syncOptions: [CreateNamespace=true, PrunePropagationPolicy=foreground]
    retry: { limit: 5, backoff: { duration: 5s, factor: 2, maxDuration: 3m } }
  ignoreDifferences:
    - group: apps
      kind: Deployment
      jsonPointers: [/spec/replicas]
  revisionHistoryLimit: 10
`;

function convert(text: string) {
  const [doc] = parseYamlDocuments(text, 'apps/guestbook.yaml');
  assert.ok(doc !== undefined);
  return fromArgoApplication(doc, 'apps/guestbook.yaml');
}

test('an Argo CD Application becomes ours, fields that change nothing ignored', () => {
  const [doc] = parseYamlDocuments(argo, 'x.yaml');
  assert.ok(isArgoApplication(doc?.value));
  const app = convert(argo);
  assert.equal(app.metadata.name, 'guestbook');
  assert.deepEqual(app.spec.source, {
    repoURL: 'ssh://git@github.com/argoproj/argocd-example-apps.git',
    ref: 'HEAD',
    path: 'helm-guestbook',
    helm: {
      releaseName: 'gb', valueFiles: ['values-production.yaml'], parameters: [{ name: 'service.type', value: 'NodePort', forceString: false }],
      ignoreMissingValueFiles: false, skipCrds: false, apiVersions: [], skipSchemaValidation: false, valuesFrom: [],
    },
    directory: { recurse: false },
  });
  assert.deepEqual(app.spec.destination, { kubernetes: { namespace: 'guestbook' } });
  assert.deepEqual(app.spec.syncPolicy.automated, { prune: true, selfHeal: true, allowEmpty: false });
  assert.deepEqual(app.spec.syncPolicy.syncOptions, ['CreateNamespace=true', 'PrunePropagationPolicy=foreground']);
  assert.deepEqual(app.spec.ignoreDifferences, [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'], managedFieldsManagers: [], jqPathExpressions: [] }]);
});

test('no automated block means detect only; an empty one means automated without prune or self-heal', () => {
  const manual = convert(argo.replace('    automated: { prune: true, selfHeal: true }\n', ''));
  assert.equal(manual.spec.syncPolicy.automated, undefined);
  const bare = convert(argo.replace('automated: { prune: true, selfHeal: true }', 'automated: {}'));
  assert.deepEqual(bare.spec.syncPolicy.automated, { prune: false, selfHeal: false, allowEmpty: false });
  const empty = convert(argo.replace('automated: { prune: true, selfHeal: true }', 'automated: { prune: true, allowEmpty: true }'));
  assert.equal(empty.spec.syncPolicy.automated?.allowEmpty, true);
});

test('what we cannot honour is refused, naming the field and line', () => {
  const cases: Array<[string, string, RegExp]> = [
    [argo.replace('    repoURL: git@github.com:argoproj/argocd-example-apps.git\n    targetRevision: HEAD\n    path: helm-guestbook\n', '    repoURL: https://charts.example.com\n    targetRevision: "1.2.x || banana"\n    chart: guestbook\n'), 'spec.source.targetRevision', /"1\.2\.x \|\| banana" is not a semver range/],
    [argo.replace('    path: helm-guestbook\n', '    path: helm-guestbook\n    plugin: { name: cdk8s }\n'), 'spec.source.plugin', /plugins are not supported/],
    [argo.replace('      releaseName: gb\n', '      fileParameters: [{ name: cert, path: files/cert.pem }]\n'), 'spec.source.helm.fileParameters', /fileParameters are not supported/],
    [argo.replace('      releaseName: gb\n', '      someFutureOption: true\n'), 'spec.source.helm.someFutureOption', /unknown|unrecognized|not/i],
    [argo.replace('    helm:\n      releaseName: gb\n      valueFiles: [values-production.yaml]\n      parameters: [{ name: service.type, value: NodePort }]\n', '    kustomize:\n      patches: [{ path: patch.yaml }]\n'), 'spec.source.kustomize.patches[0].path', /write the patch inline/],
    [argo.replace('      jsonPointers: [/spec/replicas]', '      jqPathExpressions: [".spec.replicas | length"]'), 'spec.ignoreDifferences[0].jqPathExpressions[0]', /not a supported jq path expression: expected a path such as \.spec\.replicas, or select\(…\), got "length" at column 18/],
  ];
  for (const [text, field, message] of cases) {
    assert.throws(() => convert(text), (error: unknown) => {
      assert.ok(isTrueupError(error), String(error));
      assert.equal(error.location.field, field);
      assert.equal(error.location.file, 'apps/guestbook.yaml');
      assert.ok((error.location.line ?? 0) > 1);
      assert.match(error.message, message);
      return true;
    });
  }
});

test('jq path expressions are read as Argo CD writes them', () => {
  const app = convert(argo.replace('      jsonPointers: [/spec/replicas]', '      jqPathExpressions: [\'.spec.template.spec.containers[] | select(.name == "istio-proxy")\']'));
  assert.deepEqual(app.spec.ignoreDifferences[0]?.jqPathExpressions, ['.spec.template.spec.containers[] | select(.name == "istio-proxy")']);
});

test('helm and kustomize options Trueup honours are carried over', () => {
  const helm = convert(argo.replace('      releaseName: gb\n', '      releaseName: gb\n      skipCrds: true\n      ignoreMissingValueFiles: true\n      kubeVersion: 1.31.0\n      apiVersions: [example.com/v1]\n      passCredentials: true\n'));
  assert.equal(helm.spec.source.helm?.skipCrds, true);
  assert.equal(helm.spec.source.helm?.ignoreMissingValueFiles, true);
  assert.equal(helm.spec.source.helm?.kubeVersion, '1.31.0');
  assert.deepEqual(helm.spec.source.helm?.apiVersions, ['example.com/v1']);
  const kustomize = convert(argo.replace('    helm:\n      releaseName: gb\n      valueFiles: [values-production.yaml]\n      parameters: [{ name: service.type, value: NodePort }]\n', '    kustomize:\n      namespace: prod\n      components: [../components/tls]\n      replicas: [{ name: web, count: 3 }]\n      patches: [{ target: { kind: Deployment }, patch: "- op: remove\\n  path: /spec/replicas" }]\n'));
  assert.equal(kustomize.spec.source.kustomize?.namespace, 'prod');
  assert.deepEqual(kustomize.spec.source.kustomize?.components, ['../components/tls']);
  assert.deepEqual(kustomize.spec.source.kustomize?.replicas, [{ name: 'web', count: 3 }]);
  assert.deepEqual(kustomize.spec.source.kustomize?.patches, [{ target: { kind: 'Deployment' }, patch: '- op: remove\n  path: /spec/replicas' }]);
});

test('a plain folder is read as Argo CD reads it: without subfolders unless recurse, with include and exclude and jsonnet', () => {
  const plain = (directory: string) => argo.replace('    helm:\n      releaseName: gb\n      valueFiles: [values-production.yaml]\n      parameters: [{ name: service.type, value: NodePort }]\n', directory);
  assert.deepEqual(convert(plain('')).spec.source.directory, { recurse: false });
  assert.deepEqual(convert(plain('    directory: { recurse: true, include: "*.yaml", exclude: "test-*" }\n')).spec.source.directory, { recurse: true, include: '*.yaml', exclude: 'test-*' });
  assert.deepEqual(convert(plain('    directory: { jsonnet: {} }\n')).spec.source.directory, { recurse: false, jsonnet: { extVars: [], tlas: [], libs: [] } }, 'an empty jsonnet block, as the UI writes it');
  const jsonnet = '    directory:\n      jsonnet:\n        libs: [vendor]\n        extVars: [{ name: env, value: prod }, { name: replicas, value: "3", code: true }]\n        tlas: [{ name: tier, value: web }]\n';
  assert.deepEqual(convert(plain(jsonnet)).spec.source.directory?.jsonnet, {
    libs: ['vendor'], extVars: [{ name: 'env', value: 'prod', code: false }, { name: 'replicas', value: '3', code: true }], tlas: [{ name: 'tier', value: 'web', code: false }],
  });
  assert.throws(() => convert(plain('    directory: { jsonnet: { extVar: [] } }\n')), /extVar/);
});

test('a chart from a Helm repository, at an exact version, is read as Argo CD writes it', () => {
  const app = convert(argo.replace('    repoURL: git@github.com:argoproj/argocd-example-apps.git\n    targetRevision: HEAD\n    path: helm-guestbook\n', '    repoURL: https://charts.example.com\n    targetRevision: 4.7.1\n    chart: guestbook\n'));
  assert.equal(app.spec.source.chart, 'guestbook');
  assert.equal(app.spec.source.ref, '4.7.1');
  assert.equal(app.spec.source.repoURL, 'https://charts.example.com');
  assert.equal(app.spec.source.directory, undefined);
});

const multi = (sources: string): string => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: web }
spec:
  sources:
${sources}  destination: { server: https://kubernetes.default.svc, namespace: web }
`;

test('several sources: one rendered, the ref sources giving its Helm values files ($values/…)', () => {
  const app = convert(multi(`    - repoURL: https://charts.example.com
      chart: web
      targetRevision: 1.2.3
      helm: { valueFiles: [$values/envs/prod/values.yaml] }
    - repoURL: git@git.example.com:team/config.git
      targetRevision: main
      ref: values
`));
  assert.equal(app.spec.source.chart, 'web');
  assert.equal(app.spec.source.ref, '1.2.3');
  assert.deepEqual(app.spec.source.helm?.valueFiles, ['$values/envs/prod/values.yaml']);
  assert.deepEqual(app.spec.source.refSources, [{ name: 'values', repoURL: 'ssh://git@git.example.com/team/config.git', ref: 'main' }]);
});

test('several sources that cannot be honoured are refused, naming the source', () => {
  const error = (text: string) => {
    try {
      convert(text);
    } catch (caught) {
      assert.ok(isTrueupError(caught));
      return `${caught.location.field ?? ''}: ${caught.message}`;
    }
    return assert.fail('expected an error');
  };
  const git = (path: string) => `    - repoURL: https://git.example.com/a.git\n      path: ${path}\n`;
  assert.match(error(multi(git('a') + git('b'))), /^spec\.sources: sources 0 and 1 are both rendered; several rendered sources are not supported/);
  assert.match(error(multi(`${git('a')}    - repoURL: https://git.example.com/v.git\n      ref: values\n      path: envs\n`)), /^spec\.sources\[1\]\.path: a ref source provides files for \$values\/… values/);
  assert.match(error(multi(`    - repoURL: https://git.example.com/a.git\n      path: a\n      plugin: { name: cmp }\n`)), /^spec\.sources\[0\]\.plugin: config management plugins are not supported/);
  assert.match(error(multi('    - { repoURL: "https://git.example.com/a.git", ref: a }\n')), /no source to render/);
});

test('a chart from an OCI registry: Argo CD names it without a scheme, ours with oci://', () => {
  const app = convert(argo.replace('    repoURL: git@github.com:argoproj/argocd-example-apps.git\n    targetRevision: HEAD\n    path: helm-guestbook\n', '    repoURL: registry.example.com/charts\n    targetRevision: 4.7.1\n    chart: guestbook\n'));
  assert.equal(app.spec.source.repoURL, 'oci://registry.example.com/charts');
  assert.equal(app.spec.source.chart, 'guestbook');
  const explicit = convert(argo.replace('    repoURL: git@github.com:argoproj/argocd-example-apps.git\n    targetRevision: HEAD\n    path: helm-guestbook\n', '    repoURL: oci://registry.example.com/charts\n    targetRevision: 4.7.1\n    chart: guestbook\n'));
  assert.equal(explicit.spec.source.repoURL, 'oci://registry.example.com/charts');
  assert.throws(() => convert(argo.replace('git@github.com:argoproj/argocd-example-apps.git', 'oci://registry.example.com/charts')), /an oci:\/\/ address holds charts: give the chart's name in chart/);
});

test('decryption: the same SOPS option on an Argo CD Application', () => {
  const app = convert(`${argo}  decryption: { provider: sops, ageKeyFiles: [keys/age.agekey] }\n`);
  assert.deepEqual(app.spec.decryption, { provider: 'sops', ageKeyFiles: ['keys/age.agekey'] });
  assert.throws(() => convert(`${argo}  decryption: { provider: pgp }\n`), (error: unknown) => isTrueupError(error) && error.location.field === 'spec.decryption.provider' && error.message === 'must be one of "sops"');
});

test('a chart version constraint is followed as Argo CD follows it: the highest version in the range', () => {
  const chart = (revision: string) => convert(argo.replace('    repoURL: git@github.com:argoproj/argocd-example-apps.git\n    targetRevision: HEAD\n    path: helm-guestbook\n', `    repoURL: https://charts.example.com\n    targetRevision: "${revision}"\n    chart: guestbook\n`)).spec.source.ref;
  assert.equal(chart('1.2.3'), '1.2.3');
  assert.equal(chart('1.2.*'), 'semver:1.2.*');
  assert.equal(chart('>=1.0.0 <2.0.0'), 'semver:>=1.0.0 <2.0.0');
});
