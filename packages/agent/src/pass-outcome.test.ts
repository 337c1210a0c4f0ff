import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PlanStep } from '@trueup/engine';
import { applyError, pruneNote } from './pass-outcome.ts';

const step = (kind: string, name: string) => ({ key: { apiVersion: 'v1', kind, name } }) as PlanStep;

test('pruneNote says why what Git dropped stays: prune off, an empty render, an annotation', () => {
  assert.equal(pruneNote({ prune: [], kept: [] }, false, false), undefined);
  assert.equal(pruneNote({ prune: [step('ConfigMap', 'a')], kept: [] }, true, false), undefined);
  assert.equal(pruneNote({ prune: [step('ConfigMap', 'a')], kept: [] }, false, false), '1 resource(s) to prune; automated prune is off');
  assert.match(pruneNote({ prune: [step('ConfigMap', 'a')], kept: [] }, false, true) ?? '', /render is empty/);
  assert.equal(pruneNote({ prune: [], kept: [step('PersistentVolumeClaim', 'data')] }, true, false), 'not pruned, as their annotation asks: PersistentVolumeClaim/data');
});

test('applyError: Stalled only when no failure can pass by retrying; the first failure\'s file and line', () => {
  assert.equal(applyError([]), undefined);
  const fixedByGit = applyError([{ message: 'a', retryable: false, origin: { file: 'app/web.yaml', line: 3 } }, { message: 'b', retryable: false }]);
  assert.deepEqual(fixedByGit, { code: 'AGENT_APPLY_FAILED', retryable: false, message: 'a; b', file: 'app/web.yaml', line: 3 });
  assert.equal(applyError([{ message: 'a', retryable: false }, { message: 'b' }])?.retryable, true);
});
