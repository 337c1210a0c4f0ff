import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApplicationSchema } from './application.ts';
import { isTrueupError } from './errors.ts';
import { validateDocument } from './validate.ts';
import { DEFAULT_YAML_LIMITS, parseYamlDocuments } from './yaml.ts';

const app = (extra: string): string => `apiVersion: trueup.dev/v1alpha1
kind: Application
metadata:
  name: web
spec:
  source:
    repoURL: https://git.example.com/ops/config.git
    path: hosts/web
  destination:
    host:
      root: /srv/web
  syncPolicy:
    automated: { prune: true, selfHeal: true }
${extra}`;

function errorOf(fn: () => unknown): { code: string; file?: string; line?: number; field?: string } {
  try {
    fn();
  } catch (error) {
    assert.ok(isTrueupError(error), `expected a TrueupError, got ${String(error)}`);
    return { code: error.code, ...error.location };
  }
  assert.fail('expected an error');
}

test('an application validates and takes its defaults', () => {
  const [doc] = parseYamlDocuments(app('    interval: 30s\n'), 'web.yaml');
  assert.ok(doc);
  const parsed = validateDocument(ApplicationSchema, doc, 'web.yaml');
  assert.equal(parsed.spec.source.ref, 'main');
  assert.equal(parsed.spec.syncPolicy.interval, '30s');
  assert.equal(parsed.spec.syncPolicy.retry.limit, 5);
  assert.equal(parsed.spec.syncPolicy.retry.backoff.maxDuration, '3m');
});

test('an unknown field names the file, the line and the field', () => {
  const [doc] = parseYamlDocuments(app('    intervall: 30s\n'), 'web.yaml');
  assert.ok(doc);
  assert.deepEqual(errorOf(() => validateDocument(ApplicationSchema, doc, 'web.yaml')), {
    code: 'API_FIELD_UNKNOWN', file: 'web.yaml', line: 14, field: 'spec.syncPolicy.intervall',
  });
});

test('a bad value names its line', () => {
  const [doc] = parseYamlDocuments(app('    interval: soon\n'), 'web.yaml');
  assert.ok(doc);
  assert.deepEqual(errorOf(() => validateDocument(ApplicationSchema, doc, 'web.yaml')), {
    code: 'API_FIELD_INVALID', file: 'web.yaml', line: 14, field: 'spec.syncPolicy.interval',
  });
});

test('a jq path expression outside the supported subset names its line and says where it fails', () => {
  const rules = '  ignoreDifferences:\n    - kind: Deployment\n      jqPathExpressions:\n        - .spec.replicas\n        - ".spec.replicas | tostring"\n';
  const [doc] = parseYamlDocuments(app(rules), 'web.yaml');
  assert.ok(doc);
  assert.deepEqual(errorOf(() => validateDocument(ApplicationSchema, doc, 'web.yaml')), {
    code: 'API_FIELD_INVALID', file: 'web.yaml', line: 18, field: 'spec.ignoreDifferences[0].jqPathExpressions[1]',
  });
  assert.throws(() => validateDocument(ApplicationSchema, doc, 'web.yaml'), /not a supported jq path expression: expected a path such as \.spec\.replicas, or select\(…\), got "tostring" at column 18/);
});

test('invalid YAML names its line', () => {
  assert.deepEqual(errorOf(() => parseYamlDocuments('a: 1\nb: [1, 2\nc: 3\n', 'bad.yaml')).code, 'API_YAML_INVALID');
  const error = errorOf(() => parseYamlDocuments('a: 1\nb: c: d\n', 'bad.yaml'));
  assert.equal(error.line, 2);
});

test('an alias bomb is refused', () => {
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 0; i < 9; i++) {
    const prev = String.fromCharCode(97 + i);
    const next = String.fromCharCode(98 + i);
    bomb.push(`${next}: &${next} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`);
  }
  assert.equal(errorOf(() => parseYamlDocuments(bomb.join('\n'), 'bomb.yaml')).code, 'API_YAML_LIMIT');
});

test('depth, size and document count are limited', () => {
  const limits = { maxBytes: 1000, maxDocuments: 2, maxAliases: 10, maxDepth: 4 };
  assert.equal(errorOf(() => parseYamlDocuments('a: {b: {c: {d: {e: 1}}}}', 'deep.yaml', limits)).code, 'API_YAML_LIMIT');
  assert.equal(errorOf(() => parseYamlDocuments('a: 1\n---\nb: 1\n---\nc: 1\n', 'many.yaml', limits)).code, 'API_YAML_LIMIT');
  assert.equal(errorOf(() => parseYamlDocuments(`a: "${'x'.repeat(2000)}"`, 'big.yaml', limits)).code, 'API_YAML_LIMIT');
  assert.equal(parseYamlDocuments('a: 1\n---\n---\nb: 2\n', 'ok.yaml', limits).length, 2);
});

test('deep flow nesting is refused before it is parsed, naming its line', () => {
  const error = errorOf(() => parseYamlDocuments(`a: 1\nb: "[[[ in a string"\nc: ${'['.repeat(100_000)}`, 'deep.yaml'));
  assert.deepEqual(error, { code: 'API_YAML_LIMIT', file: 'deep.yaml', line: 3 });
  const limits = { ...DEFAULT_YAML_LIMITS, maxDepth: 4 };
  assert.equal(parseYamlDocuments("a: [[[1]], '[[[[', {b: [2]}]  # [[[[\n", 'ok.yaml', limits).length, 1, 'brackets in strings and comments do not count');
});

test('a chart source needs an http(s) Helm repository and an exact version, and no path', () => {
  const chartApp = (source: string) => `apiVersion: trueup.dev/v1alpha1
kind: Application
metadata: { name: web }
spec:
  source: ${source}
  destination: { kubernetes: { namespace: web } }
`;
  const [good] = parseYamlDocuments(chartApp('{ repoURL: "https://charts.example.com", chart: web, ref: 1.4.2 }'), 'web.yaml');
  assert.ok(good);
  assert.equal(validateDocument(ApplicationSchema, good, 'web.yaml').spec.source.chart, 'web');
  const cases: Array<[string, string]> = [
    ['{ repoURL: "https://charts.example.com", chart: web, ref: "^1.4" }', 'spec.source.ref'],
    ['{ repoURL: "https://charts.example.com", chart: web }', 'spec.source.ref'],
    ['{ repoURL: "ssh://git@example.com/charts.git", chart: web, ref: 1.4.2 }', 'spec.source.repoURL'],
    ['{ repoURL: "https://charts.example.com", chart: web, ref: 1.4.2, path: charts/web }', 'spec.source.path'],
    ['{ repoURL: "https://charts.example.com", chart: web, ref: 1.4.2, credentials: { tokenFile: t } }', 'spec.source.credentials'],
  ];
  const [onHost] = parseYamlDocuments(chartApp('{ repoURL: "https://charts.example.com", chart: web, ref: 1.4.2 }').replace('{ kubernetes: { namespace: web } }', '{ host: { root: /srv } }'), 'web.yaml');
  assert.ok(onHost);
  assert.equal(errorOf(() => validateDocument(ApplicationSchema, onHost, 'web.yaml')).field, 'spec.source.chart');
  for (const [source, field] of cases) {
    const [doc] = parseYamlDocuments(chartApp(source), 'web.yaml');
    assert.ok(doc);
    assert.equal(errorOf(() => validateDocument(ApplicationSchema, doc, 'web.yaml')).field, field, source);
  }
});
