/** Table tests of the pure parts: key paths, push outcomes, branch names and commit plans. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { formatKeyPath, parseKeyPath } from './key-path.ts';
import { planCommit } from './plan.ts';
import { pushOutcome } from './push-outcome.ts';
import { checkBranch } from './work-tree.ts';

test('key paths: keys, indexes, field matches and quoted keys', () => {
  assert.deepEqual(parseKeyPath('spec.template.spec.containers[name=web].image'), [
    { kind: 'key', key: 'spec' }, { kind: 'key', key: 'template' }, { kind: 'key', key: 'spec' }, { kind: 'key', key: 'containers' },
    { kind: 'match', field: 'name', value: 'web' }, { kind: 'key', key: 'image' },
  ]);
  assert.deepEqual(parseKeyPath('ports[1]'), [{ kind: 'key', key: 'ports' }, { kind: 'index', index: 1 }]);
  assert.deepEqual(parseKeyPath('a["b.c]d"].e'), [{ kind: 'key', key: 'a' }, { kind: 'key', key: 'b.c]d' }, { kind: 'key', key: 'e' }]);
  assert.deepEqual(parseKeyPath('images[name="web:x"]'), [{ kind: 'key', key: 'images' }, { kind: 'match', field: 'name', value: 'web:x' }]);
  assert.equal(formatKeyPath(parseKeyPath('a["b.c"][0][name=x]')), 'a["b.c"][0][name=x]');
  for (const bad of ['', 'a..b', 'a.', '.a', 'a[', 'a[x]', 'a["unterminated]', 'a[0]b']) {
    assert.throws(() => parseKeyPath(bad, 'f.yaml'), (error: unknown) => isTrueupError(error, 'GITOPS_KEY_INVALID') && error.location.file === 'f.yaml', bad);
  }
});

const pushes: { name: string; code: number; stdout: string; stderr: string; want: string }[] = [
  { name: 'fast-forward', code: 0, stdout: 'To http://h/r\n \tHEAD:refs/heads/main\tabc..def\nDone\n', stderr: '', want: 'pushed' },
  { name: 'branch moved (client check)', code: 1, stdout: 'To http://h/r\n!\tHEAD:refs/heads/main\t[rejected] (fetch first)\nDone\n', stderr: 'error: failed to push some refs', want: 'race' },
  { name: 'non-fast-forward', code: 1, stdout: '!\tHEAD:refs/heads/main\t[rejected] (non-fast-forward)\n', stderr: '', want: 'race' },
  { name: 'server ref lock lost', code: 1, stdout: '!\tHEAD:refs/heads/main\t[remote rejected] (failed to update ref)\n', stderr: '', want: 'race' },
  { name: 'server lock held', code: 1, stdout: '!\tHEAD:refs/heads/main\t[remote rejected] (cannot lock ref \'refs/heads/main\': is at 1 but expected 2)\n', stderr: '', want: 'race' },
  { name: 'hook refused', code: 1, stdout: '!\tHEAD:refs/heads/main\t[remote rejected] (pre-receive hook declined)\n', stderr: 'remote: main is protected\nerror: failed to push', want: 'rejected' },
  { name: 'no status line', code: 128, stdout: '', stderr: 'fatal: unable to access: The requested URL returned error: 403', want: 'rejected' },
];
for (const { name, code, stdout, stderr, want } of pushes) {
  test(`push outcome: ${name}`, () => assert.equal(pushOutcome(code, stdout, stderr).kind, want));
}

test('branch names: what git accepts', () => {
  for (const good of ['main', 'release/1.2', 'env/prod-eu', 'a.b']) assert.doesNotThrow(() => checkBranch(good), good);
  for (const bad of ['', '-x', 'a..b', 'a b', 'a:b', '.hidden', 'x.lock', 'a/', 'a//b', 'a@{1}', 'a\\b', 'a~1', 'x/.y']) {
    assert.throws(() => checkBranch(bad), (error: unknown) => isTrueupError(error, 'GITOPS_REF_INVALID'), bad);
  }
});

test('plan: nothing to commit when every value is set; one message naming each change', () => {
  const files: Record<string, string> = { 'a.yaml': 'x: "1"\n', 'b.yaml': 'y: 2\n' };
  const read = (file: string) => files[file];
  assert.equal(planCommit(read, [{ file: 'a.yaml', key: 'x', value: '1' }], { origin: { source: 's' } }).action, 'none');
  const plan = planCommit(read, [{ file: 'a.yaml', key: 'x', value: '3' }, { file: './b.yaml', key: 'y', value: '4' }, { file: 'a.yaml', key: 'x', value: '5' }], { origin: [{ source: 'ci', run: '1' }, { source: 'ci', run: '2' }] });
  assert.equal(plan.action, 'commit');
  if (plan.action !== 'commit') return;
  assert.deepEqual([...plan.files], [['a.yaml', 'x: "5"\n'], ['b.yaml', 'y: 4\n']]);
  assert.equal(plan.message, 'Set 3 values in a.yaml, b.yaml\n\n- a.yaml:1 x: 1 → 3\n- b.yaml:1 y: 2 → 4\n- a.yaml:1 x: 3 → 5\n\nTrueup-Automated: true\nTrueup-Source: ci\nTrueup-Run: 1\nTrueup-Run: 2\n');
  const isolated = planCommit(read, [{ file: 'a.yaml', key: 'nope', value: '1' }, { file: 'b.yaml', key: 'y', value: '9' }], { origin: { source: 's' }, isolate: true });
  assert.deepEqual([isolated.action, isolated.failed.map((failure) => failure.error.code)], ['commit', ['GITOPS_KEY_NOT_FOUND']]);
  assert.throws(() => planCommit(read, [{ file: 'c.yaml', key: 'x', value: '1' }], { origin: { source: 's' } }), (error: unknown) => isTrueupError(error, 'GITOPS_FILE_NOT_FOUND'));
});
