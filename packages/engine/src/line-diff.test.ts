import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffLines, unifiedDiff } from './line-diff.ts';

const apply = (before: string[], edits: ReturnType<typeof diffLines>): { from: string[]; to: string[] } => ({
  from: edits.filter((e) => e.op !== 'insert').map((e) => e.line),
  to: edits.filter((e) => e.op !== 'delete').map((e) => e.line),
});

test('diffLines reproduces both sides', () => {
  const cases: [string[], string[]][] = [
    [[], []], [['a'], []], [[], ['a']], [['a', 'b', 'c'], ['a', 'x', 'c']],
    [['a', 'b', 'c', 'd'], ['d', 'c', 'b', 'a']], [['x', 'a', 'b'], ['a', 'b', 'y']],
  ];
  for (const [before, after] of cases) {
    const edits = diffLines(before, after);
    assert.deepEqual(apply(before, edits), { from: before, to: after });
  }
});

test('diffLines is minimal for one changed line', () => {
  const edits = diffLines(['a', 'b', 'c'], ['a', 'x', 'c']);
  assert.equal(edits.filter((e) => e.op !== 'equal').length, 2);
});

test('unifiedDiff prints hunks like diff -u', () => {
  const before = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'].join('\n') + '\n';
  const after = before.replace('5\n', 'five\n');
  assert.equal(unifiedDiff(before, after, { from: 'live', to: 'git' }), [
    '--- live', '+++ git', '@@ -2,7 +2,7 @@', ' 2', ' 3', ' 4', '-5', '+five', ' 6', ' 7', ' 8', '',
  ].join('\n'));
  assert.equal(unifiedDiff('a\n', 'a\n', { from: 'live', to: 'git' }), '');
  assert.equal(unifiedDiff('', 'a\n', { from: 'live', to: 'git' }), '--- live\n+++ git\n@@ -0,0 +1,1 @@\n+a\n');
});
