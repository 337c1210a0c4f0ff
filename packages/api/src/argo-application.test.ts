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
    helm: { releaseName: 'gb', valueFiles: ['values-production.yaml'], parameters: [{ name: 'service.type', value: 'NodePort', forceString: false }] },
  });
  assert.deepEqual(app.spec.destination, { kubernetes: { namespace: 'guestbook' } });
  assert.deepEqual(app.spec.syncPolicy.automated, { prune: true, selfHeal: true });
  assert.deepEqual(app.spec.syncPolicy.syncOptions, ['CreateNamespace=true', 'PrunePropagationPolicy=foreground']);
  assert.deepEqual(app.spec.ignoreDifferences, [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'], managedFieldsManagers: [], jqPathExpressions: [] }]);
});

test('no automated block means detect only; an empty one means automated without prune or self-heal', () => {
  const manual = convert(argo.replace('    automated: { prune: true, selfHeal: true }\n', ''));
  assert.equal(manual.spec.syncPolicy.automated, undefined);
  const bare = convert(argo.replace('automated: { prune: true, selfHeal: true }', 'automated: {}'));
  assert.deepEqual(bare.spec.syncPolicy.automated, { prune: false, selfHeal: false });
});

test('what we cannot honour is refused, naming the field and line', () => {
  const cases: Array<[string, string, RegExp]> = [
    [argo.replace('    path: helm-guestbook\n', '    chart: guestbook\n'), 'spec.source.chart', /Helm repository/],
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
