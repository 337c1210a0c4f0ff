import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveRenderLimits } from '../limits.ts';
import { captureError } from '../test-helpers.ts';
import { escapeSetValue } from './helm-values.ts';
import { sourceOrigin } from './helm.ts';
import { cleanToolMessage, stripUrlCredentials } from './tool-message.ts';
import { collectToolOutput, splitDocuments } from './tool-output.ts';

test('splitDocuments: cuts at markers on their own line only', () => {
  const output = '---\n# Source: c/templates/a.yaml\na: 1\n--- # comment\nb: |\n  ---\n  text\n---\n\n---\nc: "---"\n';
  assert.deepEqual(splitDocuments(output), ['# Source: c/templates/a.yaml\na: 1', 'b: |\n  ---\n  text', 'c: "---"\n']);
});

test('sourceOrigin: helm\'s chart-name path becomes the file in the chart folder', () => {
  assert.deepEqual(sourceOrigin('charts/web', '# Source: web-chart/templates/deploy.yaml\nkind: A'), { file: 'charts/web/templates/deploy.yaml', line: 1, renderedBy: 'helm', chart: 'charts/web' });
  assert.deepEqual(sourceOrigin('charts/web', '# Source: web-chart/charts/db/templates/sts.yaml\n'), { file: 'charts/web/charts/db/templates/sts.yaml', line: 1, renderedBy: 'helm', chart: 'charts/web' });
  assert.deepEqual(sourceOrigin('.', '# Source: web-chart/crds/crd.yaml\n'), { file: 'crds/crd.yaml', line: 1, renderedBy: 'helm', chart: '.' });
  assert.deepEqual(sourceOrigin('charts/web', 'kind: A'), { file: 'charts/web/Chart.yaml', line: 1, renderedBy: 'helm', chart: 'charts/web' });
});

test('collectToolOutput: errors in a document name its origin', async () => {
  const limits = resolveRenderLimits();
  const collect = (output: string) => async () => collectToolOutput({ output, producedBy: 'helm template of charts/web', limits, originOf: (chunk) => sourceOrigin('charts/web', chunk) });
  const missing = await captureError(Promise.resolve().then(collect('---\n# Source: web/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {}\n')));
  assert.deepEqual(missing, {
    code: 'API_FIELD_INVALID', file: 'charts/web/templates/cm.yaml', line: 1, field: 'metadata.name',
    message: 'required field is missing (string) (in the output of helm template of charts/web)',
  });
  const invalid = await captureError(Promise.resolve().then(collect('---\n# Source: web/templates/cm.yaml\na: b: c\n')));
  assert.equal(invalid.code, 'API_YAML_INVALID');
  assert.deepEqual([invalid.file, invalid.line], ['charts/web/templates/cm.yaml', 1]);
  assert.match(invalid.message, /in the output of helm template of charts\/web/);
});

test('escapeSetValue: commas are kept in the value, lists stay lists', () => {
  assert.equal(escapeSetValue('a,b'), 'a\\,b');
  assert.equal(escapeSetValue('a\\,b'), 'a\\,b');
  assert.equal(escapeSetValue('{a,b}'), '{a,b}');
  assert.equal(escapeSetValue('plain'), 'plain');
});

test('stripUrlCredentials and cleanToolMessage', () => {
  assert.equal(stripUrlCredentials('see https://u:p@h.example/x and ssh://git@h:22/r and oci://robot:t0k@reg/c'), 'see https://h.example/x and ssh://h:22/r and oci://reg/c');
  assert.equal(cleanToolMessage('\n Error at /tmp/c/repo/apps/a.yaml\r\n', [{ from: '/tmp/c/', to: '<tmp>/' }, { from: '/tmp/c/repo/', to: '' }]), 'Error at apps/a.yaml');
});
