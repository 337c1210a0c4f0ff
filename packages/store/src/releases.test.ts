import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onBothEngines } from './testing.ts';

const NOW = 1_800_000_000_000;

test('releases', async (t) => {
  await onBothEngines(t, 'releases are numbered per promotion and made once per set of values', async (store) => {
    const { releases } = store;
    const first = await releases.create({ promotion: 'web', values: { image: '1.0.0', chart: '2' }, origin: 'api', createdBy: 'ops', createdAt: NOW });
    assert.equal(first.created, true);
    assert.equal(first.release.id, 'web-1');
    const again = await releases.create({ promotion: 'web', values: { chart: '2', image: '1.0.0' }, origin: 'image', createdBy: 'x', createdAt: NOW + 1 });
    assert.deepEqual([again.created, again.release.id, again.release.origin], [false, 'web-1', 'api'], 'same values in another order');
    assert.equal((await releases.create({ promotion: 'web', values: { image: '1.1.0', chart: '2' }, origin: 'api', createdBy: 'ops', createdAt: NOW + 2 })).release.id, 'web-2');
    assert.equal((await releases.create({ promotion: 'api', values: { image: '1.0.0', chart: '2' }, origin: 'api', createdBy: 'ops', createdAt: NOW + 3 })).release.id, 'api-1');
    assert.deepEqual((await releases.list({ promotion: 'web', limit: 10 })).map((r) => r.id), ['web-2', 'web-1']);
    assert.deepEqual((await releases.recent('web')).map((r) => r.id), ['web-1', 'web-2']);
    assert.deepEqual((await releases.get('web-2'))?.values, { image: '1.1.0', chart: '2' });
    assert.equal(await releases.get('web-9'), undefined);
  });

  await onBothEngines(t, 'one release in flight per stage; transitions only from the expected state', async (store) => {
    const { releases } = store;
    await releases.create({ promotion: 'web', values: { image: '1' }, origin: 'api', createdBy: 'ops', createdAt: NOW });
    await releases.create({ promotion: 'web', values: { image: '2' }, origin: 'api', createdBy: 'ops', createdAt: NOW });
    const start = (releaseId: string, at: number) => releases.start({ releaseId, promotion: 'web', stage: 'dev', application: 'dev/web', environment: 'dev', manual: false, requestedBy: 'automation', at });
    assert.equal(await start('web-1', NOW + 1), true);
    assert.equal(await start('web-2', NOW + 2), false, 'web-1 is in flight in dev');
    assert.equal(await releases.transition('web-1', 'dev', ['promoting'], { state: 'verifying', revision: 'abc', committedAt: NOW + 3 }), true);
    assert.equal(await releases.transition('web-1', 'dev', ['promoting'], { state: 'verifying' }), false, 'already verifying');
    assert.deepEqual((await releases.inFlight()).map((s) => [s.releaseId, s.state, s.revision]), [['web-1', 'verifying', 'abc']]);
    assert.equal(await releases.transition('web-1', 'dev', ['verifying'], { state: 'healthy', healthyAt: NOW + 4 }), true);
    assert.equal(await start('web-2', NOW + 5), true);
    assert.equal(await releases.transition('web-2', 'dev', ['promoting', 'verifying'], { state: 'failed', message: 'Degraded', finishedAt: NOW + 6 }), true);
    const stages = await releases.stages({ promotion: 'web' });
    assert.deepEqual(stages.map((s) => [s.releaseId, s.seq, s.state, s.healthyAt ?? null]), [['web-1', 1, 'healthy', NOW + 4], ['web-2', 2, 'failed', null]]);
    // Promoted again (a rollback): a fresh record.
    assert.equal(await start('web-1', NOW + 7), true);
    assert.deepEqual((await releases.stages({ releaseIds: ['web-1'] })).map((s) => [s.state, s.startedAt, s.revision ?? null]), [['promoting', NOW + 7, null]]);
    assert.deepEqual((await releases.list({ environment: 'dev', limit: 10 })).map((r) => r.id), ['web-1', 'web-2']);
    await releases.transition('web-1', 'dev', ['promoting'], { state: 'verifying', revision: 'abcdef0123456789abcdef0123456789abcdef01' });
    assert.equal((await releases.find('abcdef0'))?.id, 'web-1', 'by an abbreviated commit');
    assert.equal((await releases.find('abcdef0123456789abcdef0123456789abcdef01'))?.id, 'web-1', 'by the full commit');
    assert.equal((await releases.find('2'))?.id, 'web-2', 'by a value it bundles');
    assert.equal(await releases.find('abcdef1'), undefined);
    assert.equal(await releases.find('%'), undefined);
    assert.deepEqual(await releases.list({ environment: 'prod', limit: 10 }), []);
  });

  await onBothEngines(t, 'the working records: recent releases, what each stage runs now, what is in flight', async (store) => {
    const { releases } = store;
    for (let i = 1; i <= 5; i++) await releases.create({ promotion: 'web', values: { image: String(i) }, origin: 'api', createdBy: 'ops', createdAt: NOW + i });
    const start = (releaseId: string, stage: string, at: number) => releases.start({ releaseId, promotion: 'web', stage, application: `${stage}/web`, environment: stage, manual: false, requestedBy: 'automation', at });
    for (let i = 1; i <= 4; i++) {
      assert.equal(await start(`web-${i}`, 'dev', NOW + 10 * i), true);
      await releases.transition(`web-${i}`, 'dev', ['promoting'], { state: 'healthy', healthyAt: NOW + 10 * i + 1 });
    }
    // prod rolled back to web-1 after web-2; web-5 in flight in dev.
    for (const [id, at] of [['web-2', NOW + 50], ['web-1', NOW + 60]] as const) {
      assert.equal(await start(id, 'prod', at), true);
      await releases.transition(id, 'prod', ['promoting'], { state: 'healthy', healthyAt: at + 1 });
    }
    assert.equal(await start('web-5', 'dev', NOW + 70), true);
    const working = await releases.working('web', ['dev', 'prod'], ['web-4', 'web-5']);
    assert.deepEqual(working.map((s) => [s.releaseId, s.stage, s.state]), [['web-4', 'dev', 'healthy'], ['web-1', 'prod', 'healthy'], ['web-5', 'dev', 'promoting']],
      'old records of web-2 and web-3 are left out; web-1 is what prod runs');
    assert.deepEqual((await releases.getMany(['web-1', 'web-9'])).map((r) => r.id), ['web-1']);
    assert.deepEqual((await releases.working('web', [], [])).map((s) => [s.releaseId, s.state]), [['web-5', 'promoting']], 'in flight, named or not');
  });

  await onBothEngines(t, 'approvals once per person; holds set, replaced and released', async (store) => {
    const { releases } = store;
    await releases.create({ promotion: 'web', values: { image: '1' }, origin: 'api', createdBy: 'ops', createdAt: NOW });
    assert.equal(await releases.approve({ releaseId: 'web-1', stage: 'prod', approver: 'token:ann', role: 'operator', at: NOW }), true);
    assert.equal(await releases.approve({ releaseId: 'web-1', stage: 'prod', approver: 'token:ann', role: 'operator', at: NOW + 1 }), false);
    assert.equal(await releases.approve({ releaseId: 'web-1', stage: 'prod', approver: 'token:bob', role: 'admin', at: NOW + 2 }), true);
    assert.deepEqual((await releases.approvals(['web-1'])).map((a) => a.approver), ['token:ann', 'token:bob']);
    await releases.hold({ promotion: 'web', stage: 'prod', by: 'token:ann', reason: 'rolled back', at: NOW });
    await releases.hold({ promotion: 'web', stage: 'prod', by: 'token:bob', reason: 'incident', at: NOW + 1 });
    assert.deepEqual((await releases.holds('web')).map((h) => [h.stage, h.by, h.reason]), [['prod', 'token:bob', 'incident']]);
    assert.equal(await releases.unhold('web', 'prod'), true);
    assert.equal(await releases.unhold('web', 'prod'), false);
    assert.deepEqual(await releases.holds(), []);
    assert.equal(await releases.addSource({ key: 'k', url: 'file:///r.git', ref: 'main', createdBy: 'ops', createdAt: NOW }), true);
    assert.equal(await releases.addSource({ key: 'k', url: 'file:///r.git', ref: 'main', createdBy: 'ops', createdAt: NOW }), false);
    assert.deepEqual((await releases.sources()).map((s) => s.url), ['file:///r.git']);
  });
});
