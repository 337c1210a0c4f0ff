/**
 * The golden corpus: each folder of testdata/edits holds a file, the edits (case.json) and the
 * exact `git diff -U0` the edits must produce (want.diff), or the error they must raise.
 * UPDATE_GOLDEN=1 rewrites want.diff (read every change before committing it).
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTrueupError } from '@trueup/api';
import { editYaml, type ScalarEdit } from './edit-yaml.ts';
import { gitDiff } from './testing.ts';

const corpus = join(import.meta.dirname, '..', 'testdata', 'edits');

interface Case {
  file: string;
  edits: ScalarEdit[];
  error?: { code: string; line?: number };
}

for (const name of (await readdir(corpus)).sort()) {
  test(`golden edit: ${name}`, async () => {
    const spec = JSON.parse(await readFile(join(corpus, name, 'case.json'), 'utf8')) as Case;
    const input = await readFile(join(corpus, name, spec.file), 'utf8');
    if (spec.error !== undefined) {
      const { code, line } = spec.error;
      assert.throws(() => editYaml(input, spec.file, spec.edits), (error: unknown) => {
        assert.ok(isTrueupError(error), String(error));
        assert.equal(error.code, code, error.describe());
        assert.equal(error.location.file, spec.file);
        if (line !== undefined) assert.equal(error.location.line, line, error.describe());
        if (code !== 'GITOPS_YAML_INVALID' && code !== 'GITOPS_KEY_INVALID') assert.ok(error.describe().includes(spec.edits[0]?.key.replace(/^(\w+)\..*/, '$1') ?? ''), error.describe());
        return true;
      });
      return;
    }
    const result = editYaml(input, spec.file, spec.edits);
    const diff = await gitDiff(input, result.text);
    const wantFile = join(corpus, name, 'want.diff');
    if (process.env['UPDATE_GOLDEN'] === '1') await writeFile(wantFile, diff);
    assert.equal(diff, await readFile(wantFile, 'utf8'));
    // Applying the same edits again changes nothing: the value is already set.
    const again = editYaml(result.text, spec.file, spec.edits);
    assert.equal(again.text, result.text);
    assert.deepEqual(again.changes, []);
    assert.equal(result.changes.length === 0, diff === '', 'changes are reported exactly when the file changed');
  });
}
