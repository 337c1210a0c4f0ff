/** The jq path subset of `ignoreDifferences.jqPathExpressions`: what each expression selects, and what it refuses. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JqSyntaxError, parseJqPath, type JqPath } from './jq-path.ts';

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', annotations: { 'app.kubernetes.io/name': 'web', 'sidecar.istio.io/status': '{"x":1}' }, labels: { tier: 'front' } },
  spec: {
    replicas: 3,
    template: {
      spec: {
        containers: [
          { name: 'web', image: 'web:1', ports: [{ containerPort: 8080 }] },
          { name: 'istio-proxy', image: 'proxyv2:1.20', resources: { limits: { cpu: '2' } } },
          { name: 'log-shipper', image: 'shipper:3' },
        ],
        initContainers: [{ name: 'istio-init', image: 'proxyv2:1.20' }],
      },
    },
  },
};

const webhooks = {
  kind: 'MutatingWebhookConfiguration',
  webhooks: [{ name: 'a', clientConfig: { caBundle: 'AAA' } }, { name: 'b', clientConfig: {} }, { name: 'c' }],
};

function paths(expression: string, value: unknown = deployment): JqPath[] {
  return parseJqPath(expression).paths(value);
}

const containers = ['spec', 'template', 'spec', 'containers'];

test('jq: field paths, quoted keys, brackets, indexes and iteration', () => {
  const cases: Array<[string, JqPath[]]> = [
    ['.spec.replicas', [['spec', 'replicas']]],
    ['.metadata.annotations."app.kubernetes.io/name"', [['metadata', 'annotations', 'app.kubernetes.io/name']]],
    ['.metadata.annotations["sidecar.istio.io/status"]', [['metadata', 'annotations', 'sidecar.istio.io/status']]],
    ['.spec.template.spec.containers[0].image', [[...containers, 0, 'image']]],
    ['.spec.template.spec.containers[-1]', [[...containers, 2]]],
    ['.spec.template.spec.containers[].name', [0, 1, 2].map((i) => [...containers, i, 'name'])],
    ['.metadata.labels[]', [['metadata', 'labels', 'tier']]],
    ['.spec.template.spec.containers[] | .image', [0, 1, 2].map((i) => [...containers, i, 'image'])],
    ['.spec.missing', []],
    ['.spec.replicas.deeper', []],
    ['.spec.template.spec.containers[7]', []],
  ];
  for (const [expression, expected] of cases) assert.deepEqual(paths(expression), expected, expression);
});

test('jq: select with comparisons, string tests, and, or, not', () => {
  const cases: Array<[string, JqPath[]]> = [
    ['.spec.template.spec.containers[] | select(.name == "istio-proxy")', [[...containers, 1]]],
    ['.spec.template.spec.containers[] | select(.name != "web") | .image', [[...containers, 1, 'image'], [...containers, 2, 'image']]],
    ['.spec.template.spec.containers[] | select(.name | startswith("istio"))', [[...containers, 1]]],
    ['.spec.template.spec.containers[] | select(.image | endswith(":3"))', [[...containers, 2]]],
    ['.spec.template.spec.containers[] | select(.image | contains("proxy"))', [[...containers, 1]]],
    ['.spec.template.spec.containers[] | select(.name | test("^(istio|log)-"))', [[...containers, 1], [...containers, 2]]],
    ['.spec.template.spec.containers[] | select(.name == "web" or .name == "log-shipper") | .name', [[...containers, 0, 'name'], [...containers, 2, 'name']]],
    ['.spec.template.spec.containers[] | select(.name | startswith("istio") | not)', [[...containers, 0], [...containers, 2]]],
    ['.spec.template.spec.containers[] | select(.resources)', [[...containers, 1]]],
    ['.spec.template.spec.containers[] | select(.resources == null)', [[...containers, 0], [...containers, 2]]],
    ['.spec.template.spec.containers[] | select(.ports[0].containerPort >= 8000 and .name == "web")', [[...containers, 0]]],
    ['.spec | select(.replicas > 2) | .replicas', [['spec', 'replicas']]],
    ['.spec | select(.replicas < 2) | .replicas', []],
  ];
  for (const [expression, expected] of cases) assert.deepEqual(paths(expression), expected, expression);
});

test('jq: the optional ? and items without the key, as in Argo CD webhook rules', () => {
  assert.deepEqual(paths('.webhooks[]?.clientConfig.caBundle', webhooks), [['webhooks', 0, 'clientConfig', 'caBundle']]);
  assert.deepEqual(paths('.webhooks[]?.clientConfig.caBundle?', { kind: 'MutatingWebhookConfiguration' }), []);
  assert.deepEqual(paths('.webhooks[] | select(.name == "b") | .clientConfig', webhooks), [['webhooks', 1, 'clientConfig']]);
});

test('jq: what is outside the subset is refused with the column, never matched silently', () => {
  const cases: Array<[string, RegExp]> = [
    ['.spec.replicas | length', /expected a path such as \.spec\.replicas, or select\(…\), got "length" at column 18/],
    ['del(.spec.replicas)', /expected a path .* got "del" at column 1/],
    ['.spec.replicas + 1', /unsupported character "\+" at column 16/],
    ['.spec.template.spec.containers[] | select(.name | ascii_downcase == "web")', /unsupported filter ascii_downcase/],
    ['.metadata.annotations."unterminated', /unterminated string at column 23/],
    ['.spec.template.spec.containers[.name]', /expected an index, a quoted key or nothing inside \[ \]/],
    ['.a | select(.b == )', /expected a path, a string, a number, true, false or null, got "\)"/],
    ['.a | select(.b | test("("))', /invalid regular expression/],
    ['.a.b)', /expected the end of the expression/],
    ['', /expected a path such as \.spec\.replicas, or select\(…\), got end of expression at column 1/],
  ];
  for (const [expression, message] of cases) {
    assert.throws(() => parseJqPath(expression), (error: unknown) => {
      assert.ok(error instanceof JqSyntaxError, `${expression}: ${String(error)}`);
      assert.match(error.message, message, expression);
      return true;
    });
  }
});
