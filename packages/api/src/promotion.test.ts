/** Promotion files: defaults, and errors naming the file, the line and the field. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError } from './errors.ts';
import { parsePromotion } from './promotion.ts';

const FILE = '.trueup/promotions/web.yml';
const text = (prodGates = '      gates:\n        soak: 10m\n        approvals: { count: 1 }\n        windows: [{ days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00", timezone: Europe/Paris }]\n', devSetValue = 'image') => `apiVersion: trueup.dev/v1alpha1
kind: Promotion
metadata:
  name: web
spec:
  repo: https://git.example.com/ops/config.git
  values:
    - name: image
  stages:
    - name: dev
      application: dev/web
      set:
        - { file: envs/dev/values.yaml, key: image.tag, value: ${devSetValue} }
    - name: prod
      application: prod/web
      set:
        - { file: envs/prod/values.yaml, key: image.tag, value: image }
${prodGates}`;

function errorOf(fn: () => unknown): { code: string; file?: string; line?: number; field?: string; message: string } {
  try {
    fn();
  } catch (error) {
    assert.ok(isTrueupError(error), `expected a TrueupError, got ${String(error)}`);
    return { code: error.code, message: error.message, ...error.location };
  }
  assert.fail('expected an error');
}

test('a promotion parses with its defaults', () => {
  const promotion = parsePromotion(text(), FILE);
  assert.equal(promotion.spec.ref, 'main');
  assert.deepEqual(promotion.spec.stages.map((s) => s.name), ['dev', 'prod']);
  assert.deepEqual(promotion.spec.stages[0]?.gates, {});
  assert.deepEqual(promotion.spec.stages[1]?.gates.approvals, { count: 1, role: 'operator' });
  assert.equal(promotion.spec.stages[1]?.gates.windows?.[0]?.timezone, 'Europe/Paris');
});

test('bad promotions name the file, line and field', () => {
  assert.deepEqual(pick(errorOf(() => parsePromotion(text(undefined, 'imag'), FILE))), { code: 'API_FIELD_INVALID', file: FILE, line: 13, field: 'spec.stages[0].set[0].value' });
  assert.match(errorOf(() => parsePromotion(text(undefined, 'imag'), FILE)).message, /no value "imag" in spec.values/);
  assert.deepEqual(pick(errorOf(() => parsePromotion(text('      gates: { soak: soon }\n'), FILE))), { code: 'API_FIELD_INVALID', file: FILE, line: 18, field: 'spec.stages[1].gates.soak' });
  assert.deepEqual(pick(errorOf(() => parsePromotion(text('      gates: { windows: [{ from: "9:00", to: "17:00" }] }\n'), FILE))), { code: 'API_FIELD_INVALID', file: FILE, line: 18, field: 'spec.stages[1].gates.windows[0].from' });
  assert.deepEqual(pick(errorOf(() => parsePromotion(text('      gates: { approval: 1 }\n'), FILE))), { code: 'API_FIELD_UNKNOWN', file: FILE, line: 18, field: 'spec.stages[1].gates.approval' });
  assert.deepEqual(pick(errorOf(() => parsePromotion(text().replace('name: prod', 'name: dev'), FILE))), { code: 'API_FIELD_INVALID', file: FILE, line: 14, field: 'spec.stages[1].name' });
  assert.deepEqual(pick(errorOf(() => parsePromotion(text().replace('application: prod/web', 'application: prod'), FILE))), { code: 'API_FIELD_INVALID', file: FILE, line: 15, field: 'spec.stages[1].application' });
  const soakFirst = text().replace('      application: dev/web\n', '      application: dev/web\n      gates: { soak: 5m }\n');
  assert.match(errorOf(() => parsePromotion(soakFirst, FILE)).message, /first stage has no previous stage/);
});

function pick(error: { code: string; file?: string; line?: number; field?: string }): Record<string, unknown> {
  return { code: error.code, file: error.file, line: error.line, field: error.field };
}

test('image policies: one of semver or pattern, a declared value, a repository address', () => {
  const withImages = (images: string): string => text().replace('  stages:\n', `  images:\n${images}  stages:\n`);
  const ok = parsePromotion(withImages('    - { value: image, repository: "127.0.0.1:5000/team/web", semver: "^1.2" }\n'), FILE);
  assert.deepEqual(ok.spec.images?.[0], { value: 'image', repository: '127.0.0.1:5000/team/web', semver: '^1.2', sort: 'alphabetical', interval: '1m', insecure: false });
  assert.deepEqual(pick(errorOf(() => parsePromotion(withImages('    - { value: image, repository: reg.example.com/web }\n'), FILE))), { code: 'API_FIELD_INVALID', file: FILE, line: 10, field: 'spec.images[0]' });
  assert.match(errorOf(() => parsePromotion(withImages('    - { value: image, repository: reg.example.com/web, semver: "^1", pattern: "^v" }\n'), FILE)).message, /exactly one of semver/);
  assert.deepEqual(pick(errorOf(() => parsePromotion(withImages('    - { value: tag, repository: reg.example.com/web, semver: "^1" }\n'), FILE))), { code: 'API_FIELD_INVALID', file: FILE, line: 10, field: 'spec.images[0].value' });
  assert.match(errorOf(() => parsePromotion(withImages('    - { value: image, repository: reg.example.com/web, semver: "one" }\n'), FILE)).message, /semver range/);
  assert.match(errorOf(() => parsePromotion(withImages('    - { value: image, repository: reg.example.com/web, pattern: "([" }\n'), FILE)).message, /regular expression/);
  assert.match(errorOf(() => parsePromotion(withImages('    - { value: image, repository: "https://reg.example.com/web", semver: "^1" }\n'), FILE)).message, /HOST\[:PORT\]\/PATH/);
});
