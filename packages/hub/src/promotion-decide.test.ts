/** The promotion engine's decisions: tables of (releases, stage records, approvals, holds, time) → next step per stage. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePromotion } from '@trueup/api';
import type { ApprovalRecord, HoldRecord, ReleaseRecord, ReleaseStageRecord, ReleaseStageState } from '@trueup/store';
import { decide, windowGate, type PromotionState, type StageDecision } from './promotion-decide.ts';

const promotion = parsePromotion(`apiVersion: trueup.dev/v1alpha1
kind: Promotion
metadata: { name: web }
spec:
  repo: file:///config.git
  values: [{ name: image }]
  stages:
    - { name: dev, application: dev/web, set: [{ file: dev.yaml, key: tag, value: image }] }
    - name: staging
      application: staging/web
      set: [{ file: staging.yaml, key: tag, value: image }]
      gates: { soak: 10m }
    - name: prod
      application: prod/web
      set: [{ file: prod.yaml, key: tag, value: image }]
      gates: { approvals: { count: 2 }, windows: [{ days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00" }] }
`, 'web.yml');

// Wednesday 2027-01-13 10:00 UTC.
const T = Date.parse('2027-01-13T10:00:00Z');
const MIN = 60_000;
const release = (seq: number): ReleaseRecord => ({ id: `web-${seq}`, promotion: 'web', seq, values: { image: `${seq}.0.0` }, origin: 'api', createdBy: 'ops', createdAt: T - 100 * MIN + seq });
const at = (seq: number, stage: string, state: ReleaseStageState, startedAt: number, healthyAt?: number): ReleaseStageRecord => ({
  releaseId: `web-${seq}`, seq, stage, promotion: 'web', application: `${stage}/web`, environment: stage, state, manual: false, requestedBy: 'automation', startedAt, ...(healthyAt === undefined ? {} : { healthyAt }),
});
const approval = (seq: number, approver: string, role = 'operator'): ApprovalRecord => ({ releaseId: `web-${seq}`, stage: 'prod', approver, role, at: T });
const hold = (stage: string): HoldRecord => ({ promotion: 'web', stage, by: 'token:ann', reason: 'rolled back', at: T - MIN });

function summary(decisions: StageDecision[]): string[] {
  return decisions.map((d) => {
    switch (d.action) {
      case 'promote':
      case 'busy':
        return `${d.stage}: ${d.action} ${d.release}`;
      case 'wait':
        return `${d.stage}: wait ${d.release} (${d.gates.filter((g) => !g.passed).map((g) => g.gate).join(',')})`;
      case 'idle':
        return `${d.stage}: idle`;
    }
  });
}

const table: { name: string; state: Partial<PromotionState>; now?: number; want: string[] }[] = [
  { name: 'nothing released', state: {}, want: ['dev: idle', 'staging: idle', 'prod: idle'] },
  { name: 'a new release goes to the first stage', state: { releases: [release(1)] }, want: ['dev: promote web-1', 'staging: idle', 'prod: idle'] },
  { name: 'only the newest of several new releases; older ones are superseded', state: { releases: [release(1), release(2), release(3)] }, want: ['dev: promote web-3', 'staging: idle', 'prod: idle'] },
  { name: 'one in flight per stage', state: { releases: [release(1), release(2)], stages: [at(1, 'dev', 'verifying', T - MIN)] }, want: ['dev: busy web-1', 'staging: idle', 'prod: idle'] },
  { name: 'soak not over yet', state: { releases: [release(1)], stages: [at(1, 'dev', 'healthy', T - 6 * MIN, T - 5 * MIN)] }, want: ['dev: idle', 'staging: wait web-1 (soak)', 'prod: idle'] },
  { name: 'soak over: promoted', state: { releases: [release(1)], stages: [at(1, 'dev', 'healthy', T - 11 * MIN, T - 10 * MIN)] }, want: ['dev: idle', 'staging: promote web-1', 'prod: idle'] },
  { name: 'failed in dev: goes no further', state: { releases: [release(1)], stages: [at(1, 'dev', 'failed', T - 30 * MIN)] }, want: ['dev: idle', 'staging: idle', 'prod: idle'] },
  { name: 'a newer release may follow a failed one', state: { releases: [release(1), release(2)], stages: [at(1, 'dev', 'failed', T - 30 * MIN)] }, want: ['dev: promote web-2', 'staging: idle', 'prod: idle'] },
  {
    name: 'prod needs two approvals of the right role',
    state: { releases: [release(1)], stages: [at(1, 'dev', 'healthy', T - 60 * MIN, T - 60 * MIN), at(1, 'staging', 'healthy', T - 40 * MIN, T - 40 * MIN)], approvals: [approval(1, 'token:ann'), approval(1, 'token:eve', 'viewer')] },
    want: ['dev: idle', 'staging: idle', 'prod: wait web-1 (approvals)'],
  },
  {
    name: 'two approvals inside the window: promoted',
    state: { releases: [release(1)], stages: [at(1, 'dev', 'healthy', T - 60 * MIN, T - 60 * MIN), at(1, 'staging', 'healthy', T - 40 * MIN, T - 40 * MIN)], approvals: [approval(1, 'token:ann'), approval(1, 'token:bob', 'admin')] },
    want: ['dev: idle', 'staging: idle', 'prod: promote web-1'],
  },
  {
    name: 'approved but outside the window (Saturday)',
    state: { releases: [release(1)], stages: [at(1, 'dev', 'healthy', T - 60 * MIN, T - 60 * MIN), at(1, 'staging', 'healthy', T - 40 * MIN, T - 40 * MIN)], approvals: [approval(1, 'token:ann'), approval(1, 'token:bob')] },
    now: Date.parse('2027-01-16T10:00:00Z'),
    want: ['dev: idle', 'staging: idle', 'prod: wait web-1 (window)'],
  },
];

for (const row of table) {
  test(`decide: ${row.name}`, () => {
    const state: PromotionState = { promotion, releases: [], stages: [], approvals: [], holds: [], ...row.state };
    assert.deepEqual(summary(decide(state, row.now ?? T)), row.want);
  });
}

test('decide: a person rolled dev back to web-1 and held it; released, the newest goes again', () => {
  const rolledBack = { ...at(1, 'dev', 'healthy', T - 20 * MIN, T - 19 * MIN), manual: true };
  const stages = [at(2, 'dev', 'healthy', T - 50 * MIN, T - 49 * MIN), rolledBack];
  const held: PromotionState = { promotion, releases: [release(1), release(2)], stages, approvals: [], holds: [hold('dev')] };
  const decisions = decide(held, T);
  assert.deepEqual(summary(decisions), ['dev: wait web-2 (hold)', 'staging: promote web-2', 'prod: idle']);
  const waiting = decisions[0];
  assert.ok(waiting?.action === 'wait');
  assert.match(waiting.gates.find((g) => g.gate === 'hold')?.reason ?? '', /held by token:ann .*rolled back/);
  assert.deepEqual(summary(decide({ ...held, holds: [] }, T)), ['dev: promote web-2', 'staging: promote web-2', 'prod: idle']);
});

test('windows: inside, outside with the next opening, past midnight, in a time zone', () => {
  const stage = (windows: string): Parameters<typeof windowGate>[0] => parsePromotion(`apiVersion: trueup.dev/v1alpha1
kind: Promotion
metadata: { name: w }
spec:
  repo: r
  values: [{ name: v }]
  stages: [{ name: s, application: e/a, set: [{ file: f, key: k, value: v }], gates: { windows: ${windows} } }]
`, 'w.yml').spec.stages[0]!;
  const office = stage('[{ days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00", timezone: Europe/Paris }]');
  assert.equal(windowGate(office, Date.parse('2027-01-13T08:30:00Z')).passed, true, '09:30 in Paris');
  const closed = windowGate(office, Date.parse('2027-01-13T16:30:00Z'));
  assert.equal(closed.passed, false, '17:30 in Paris');
  assert.equal(closed.opensAt, '2027-01-14T08:00:00.000Z');
  assert.equal(windowGate(office, Date.parse('2027-01-16T10:00:00Z')).opensAt, '2027-01-18T08:00:00.000Z', 'Saturday: opens Monday');
  const night = stage('[{ days: [fri], from: "22:00", to: "02:00" }]');
  assert.equal(windowGate(night, Date.parse('2027-01-15T23:00:00Z')).passed, true, 'Friday 23:00');
  assert.equal(windowGate(night, Date.parse('2027-01-16T01:00:00Z')).passed, true, 'Saturday 01:00, the night of Friday');
  assert.equal(windowGate(night, Date.parse('2027-01-16T23:00:00Z')).passed, false, 'Saturday 23:00');
});
