/** Golden adoption cases: testdata/adopt/<case>/{input.yaml, case.json, want.diff}; UPDATE_GOLDEN=1 rewrites want.diff. */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { isTrueupError, type Origin } from '@trueup/api';
import { adoptFields, documentAt, type AdoptField } from './adopt.ts';
import { editYaml } from './edit-yaml.ts';
import { gitDiff } from './testing.ts';

const corpus = join(import.meta.dirname, '..', 'testdata', 'adopt');

for (const name of (await readdir(corpus)).sort()) {
  test(`golden adopt: ${name}`, async () => {
    const spec = JSON.parse(await readFile(join(corpus, name, 'case.json'), 'utf8')) as { origin: Origin; fields: AdoptField[]; refused: { path: string; code: string }[] };
    const input = await readFile(join(corpus, name, 'input.yaml'), 'utf8');
    const result = adoptFields(input, spec.origin, spec.fields);
    assert.deepEqual(result.refused.map(({ path, code }) => ({ path, code })), spec.refused);
    for (const refusal of result.refused) assert.ok(refusal.reason.includes(refusal.path), refusal.reason);
    const diff = await gitDiff(input, result.text);
    const wantFile = join(corpus, name, 'want.diff');
    if (process.env['UPDATE_GOLDEN'] === '1') await writeFile(wantFile, diff);
    assert.equal(diff, await readFile(wantFile, 'utf8'));
    assert.deepEqual(adoptFields(result.text, spec.origin, spec.fields).changes, [], 'adopting again changes nothing');
  });
}

test('adopt: an origin line with no document is an error naming the file and line', () => {
  assert.throws(() => documentAt('a: 1\n', { file: 'x.yaml', line: 9 }), (error: unknown) => isTrueupError(error, 'GITOPS_KEY_NOT_FOUND') && error.describe().startsWith('x.yaml:9: '));
});

test('an edit located by line writes the document that starts there, even where the key is in several', () => {
  const text = '---\nkind: A\nspec:\n  n: 1\n---\n# b\nkind: B\nspec:\n  n: 1\n';
  const result = editYaml(text, 'x.yaml', [{ key: 'spec.n', value: '2', line: 7 }]);
  assert.equal(result.text, '---\nkind: A\nspec:\n  n: 1\n---\n# b\nkind: B\nspec:\n  n: 2\n');
  assert.throws(() => editYaml(text, 'x.yaml', [{ key: 'spec.n', value: '2', line: 99 }]), (error: unknown) => isTrueupError(error, 'GITOPS_KEY_NOT_FOUND') && /line 99/.test(error.describe()));
});
