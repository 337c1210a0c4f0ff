import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError, type JsonValue, type TemplateValue } from '@trueup/api';
import { evaluateCondition, evaluateString, evaluateTemplate, statusFunctions } from './expressions.ts';

const contexts: Record<string, JsonValue> = {
  github: { ref: 'refs/heads/main', event_name: 'push' },
  matrix: { os: 'linux', v: 24 },
  needs: { build: { result: 'success', outputs: { version: '1.2.3' } } },
  inputs: { dry: true },
};

test('templates evaluate with GitHub semantics', () => {
  const rows: { template: TemplateValue; want: JsonValue }[] = [
    { template: 'plain', want: 'plain' },
    { template: { $expr: "format('v{0}-{1}', needs.build.outputs.version, matrix.os)" }, want: 'v1.2.3-linux' },
    { template: { $expr: 'matrix.v' }, want: 24 },
    { template: { $expr: "github.ref == 'REFS/HEADS/MAIN'" }, want: true },
    { template: { $expr: 'toJSON(matrix)' }, want: '{\n  "os": "linux",\n  "v": 24\n}' },
    { template: { $expr: "fromJSON('[1,2]')" }, want: [1, 2] },
    { template: { $expr: 'needs.nosuch.outputs.x' }, want: null },
    { template: { a: [{ $expr: 'inputs.dry' }] }, want: { a: [true] } },
  ];
  for (const row of rows) assert.deepEqual(evaluateTemplate(row.template, contexts), row.want, JSON.stringify(row.template));
  assert.equal(evaluateString({ $expr: 'inputs.dry' }, contexts), 'true');
});

test('status functions in conditions', () => {
  const failed = statusFunctions({ success: false, failure: true, cancelled: false });
  const ok = statusFunctions({ success: true, failure: false, cancelled: false });
  assert.equal(evaluateCondition('success()', contexts, ok), true);
  assert.equal(evaluateCondition('success()', contexts, failed), false);
  assert.equal(evaluateCondition('failure()', contexts, failed), true);
  assert.equal(evaluateCondition("always() && matrix.os == 'linux'", contexts, failed), true);
  assert.equal(evaluateCondition('cancelled()', contexts, ok), false);
});

test('unknown contexts and functions are errors, not empty strings', () => {
  assert.throws(() => evaluateTemplate({ $expr: 'secrets.X' }, contexts), (error) => isTrueupError(error, 'WORKFLOW_EXPRESSION_INVALID') && /secrets/.test(error.message));
  assert.throws(() => evaluateTemplate({ $expr: 'nosuch(1)' }, contexts), (error) => isTrueupError(error, 'WORKFLOW_EXPRESSION_INVALID'));
  assert.throws(() => evaluateTemplate({ $expr: 'a ==' }, contexts), (error) => isTrueupError(error, 'WORKFLOW_EXPRESSION_INVALID'));
});

test("every '' in a string literal is one quote (the upstream lexer unescapes only the first)", () => {
  assert.equal(evaluateTemplate({ $expr: "format('cut -d'' '' -f{0}', 1)" }, {}), "cut -d' ' -f1");
});
