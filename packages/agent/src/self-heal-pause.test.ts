import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyOf, PLAN_MAX_ENTRIES, type Manifest } from '@trueup/api';
import { planPass } from '@trueup/engine';
import { healPaused, heldPlan, plannedChanges, selfHealState, WHOLE_APPLICATION, type Pauses } from './self-heal-pause.ts';

const file = (name: string, content: string): Manifest => ({ apiVersion: 'host.trueup.dev/v1alpha1', kind: 'File', metadata: { name }, spec: { path: `/${name}`, content } });
const desired = (m: Manifest) => ({ key: keyOf(m), manifest: m, origin: { file: 'app.yaml', line: 1 } });
const live = (m: Manifest) => ({ key: keyOf(m), manifest: m });
const A = 'host.trueup.dev/v1alpha1/File//a';
const B = 'host.trueup.dev/v1alpha1/File//b';
const OLD = 'host.trueup.dev/v1alpha1/File//old';
const by = { by: 'token:ops', at: '2026-01-01T00:00:00.000Z' };
// a and b drifted, old is gone from Git.
const plan = planPass({ desired: [desired(file('a', 'git')), desired(file('b', 'git'))], live: [live(file('a', 'hand')), live(file('b', 'hand')), live(file('old', 'x'))] });
const steps = (p: typeof plan): string[] => [...p.waves.flatMap((w) => w.steps), ...p.prune].map((s) => `${s.action} ${s.key.name}`);

test('what a pause holds back from automation', () => {
  const cases: { name: string; pauses: Pauses; gitMoved: boolean; want: string[] }[] = [
    { name: 'no pause: everything', pauses: new Map(), gitMoved: false, want: ['update a', 'update b', 'delete old'] },
    { name: 'one object paused: the others', pauses: new Map([[A, by]]), gitMoved: false, want: ['update b', 'delete old'] },
    { name: 'a pruned object paused: kept', pauses: new Map([[OLD, by]]), gitMoved: false, want: ['update a', 'update b'] },
    { name: 'the application paused: nothing', pauses: new Map([[WHOLE_APPLICATION, by]]), gitMoved: false, want: [] },
    { name: 'Git moved: a new revision applies', pauses: new Map([[WHOLE_APPLICATION, by], [A, by]]), gitMoved: true, want: ['update a', 'update b', 'delete old'] },
  ];
  for (const c of cases) assert.deepEqual(steps(heldPlan(plan, c.pauses, c.gitMoved)), c.want, c.name);
  assert.deepEqual(heldPlan(plan, new Map([[WHOLE_APPLICATION, by]]), false).waves, [], 'no wave left, so no hook runs');
});

test('how the status shows pauses, and what heals', () => {
  assert.equal(selfHealState(new Map()), undefined);
  assert.deepEqual(selfHealState(new Map([[WHOLE_APPLICATION, by], [B, { ...by, by: 'adopt' }]])), { state: 'paused', pause: by, objects: [{ object: B, ...by, by: 'adopt' }] });
  assert.deepEqual(selfHealState(new Map([[A, by]])), { state: 'active', objects: [{ object: A, ...by }] });
  assert.equal(healPaused(new Map([[A, by]]), A), true);
  assert.equal(healPaused(new Map([[A, by]]), B), false);
  assert.equal(healPaused(new Map([[WHOLE_APPLICATION, by]]), B), true);
});

test('a dry run\'s plan: apply order, prunes last when pruning, fields of updates, bounded', () => {
  assert.deepEqual(plannedChanges(plan, true), { plan: [{ object: A, action: 'update', fields: ['spec.content'] }, { object: B, action: 'update', fields: ['spec.content'] }, { object: OLD, action: 'delete' }], omitted: 0 });
  assert.deepEqual(plannedChanges(plan, false).plan.map((c) => c.object), [A, B]);
  const many = Array.from({ length: PLAN_MAX_ENTRIES + 7 }, (_, i) => file(`f${String(i).padStart(4, '0')}`, 'x'));
  const big = plannedChanges(planPass({ desired: many.map(desired), live: many.map((m) => ({ key: keyOf(m), manifest: undefined })) }), false);
  assert.equal(big.plan.length, PLAN_MAX_ENTRIES);
  assert.equal(big.omitted, 7);
});
