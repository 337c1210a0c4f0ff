import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findCycle, needsStatus, readyJobs, runConclusion, unknownNeeds, type GraphJob, type JobState } from './graph.ts';

const diamond: GraphJob[] = [
  { id: 'a', needs: [] }, { id: 'b', needs: ['a'] }, { id: 'c', needs: ['a'] }, { id: 'd', needs: ['b', 'c'] },
];

test('findCycle', () => {
  const rows: { name: string; jobs: GraphJob[]; want: string[] | undefined }[] = [
    { name: 'no jobs', jobs: [], want: undefined },
    { name: 'a diamond', jobs: diamond, want: undefined },
    { name: 'self', jobs: [{ id: 'a', needs: ['a'] }], want: ['a', 'a'] },
    { name: 'three', jobs: [{ id: 'x', needs: [] }, { id: 'a', needs: ['c'] }, { id: 'b', needs: ['a'] }, { id: 'c', needs: ['b'] }], want: ['a', 'c', 'b', 'a'] },
    { name: 'unknown needs are not a cycle', jobs: [{ id: 'a', needs: ['zz'] }], want: undefined },
  ];
  for (const row of rows) assert.deepEqual(findCycle(row.jobs), row.want, row.name);
});

test('unknownNeeds', () => {
  assert.deepEqual(unknownNeeds([{ id: 'a', needs: ['b', 'zz'] }, { id: 'b', needs: [] }]), [['a', 'zz']]);
});

test('readyJobs', () => {
  const rows: { name: string; states: [string, JobState][]; want: string[] }[] = [
    { name: 'start', states: [], want: ['a'] },
    { name: 'a running', states: [['a', 'running']], want: [] },
    { name: 'a done', states: [['a', 'success']], want: ['b', 'c'] },
    { name: 'one branch done', states: [['a', 'success'], ['b', 'success'], ['c', 'running']], want: [] },
    { name: 'failed needs still finish', states: [['a', 'success'], ['b', 'failure'], ['c', 'skipped']], want: ['d'] },
    { name: 'all done', states: [['a', 'success'], ['b', 'success'], ['c', 'success'], ['d', 'success']], want: [] },
  ];
  for (const row of rows) assert.deepEqual(readyJobs(diamond, new Map(row.states)), row.want, row.name);
});

test('needsStatus sees every job upstream, not only the direct needs', () => {
  const rows: { name: string; states: [string, JobState][]; want: { success: boolean; failure: boolean } }[] = [
    { name: 'all green', states: [['a', 'success'], ['b', 'success'], ['c', 'success']], want: { success: true, failure: false } },
    { name: 'grandparent failed', states: [['a', 'failure'], ['b', 'skipped'], ['c', 'skipped']], want: { success: false, failure: true } },
    { name: 'one skipped', states: [['a', 'success'], ['b', 'skipped'], ['c', 'success']], want: { success: false, failure: false } },
  ];
  for (const row of rows) {
    const got = needsStatus(diamond, new Map(row.states), 'd', false);
    assert.deepEqual({ success: got.success, failure: got.failure }, row.want, row.name);
  }
  assert.equal(needsStatus(diamond, new Map(), 'a', false).success, true, 'no needs: success');
});

test('runConclusion', () => {
  const rows: { states: JobState[]; cancelled: boolean; want: string }[] = [
    { states: ['success', 'skipped'], cancelled: false, want: 'success' },
    { states: ['success', 'failure'], cancelled: false, want: 'failure' },
    { states: ['success', 'cancelled'], cancelled: false, want: 'cancelled' },
    { states: ['success'], cancelled: true, want: 'cancelled' },
  ];
  for (const row of rows) assert.equal(runConclusion(new Map(row.states.map((s, i) => [String(i), s])), row.cancelled), row.want);
});
