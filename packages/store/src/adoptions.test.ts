import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onBothEngines } from './testing.ts';

const NOW = 1_800_000_000_000;

test('adoptions, and the records release show reads', async (t) => {
  await onBothEngines(t, 'an adoption is pending until resolved once; pending lists by application, oldest first', async (store) => {
    const { adoptions } = store;
    const base = { environment: 'prod', application: 'web', object: 'v1/ConfigMap/web/cfg', repoURL: 'https://git.example/config.git', tracked: 'main', branch: 'trueup/adopt/x', revision: 'a'.repeat(40), file: 'app/cfg.yaml', fields: [{ path: 'data.mode', value: 'fast' }, { path: 'spec.replicas', value: 3 }], requestedBy: 'ops' };
    await adoptions.create({ ...base, id: 'a1', createdAt: NOW });
    await adoptions.create({ ...base, id: 'a2', application: 'api', createdAt: NOW + 1 });
    await adoptions.create({ ...base, id: 'a0', createdAt: NOW + 2 });
    assert.deepEqual((await adoptions.pending()).map((a) => a.id), ['a1', 'a2', 'a0']);
    assert.deepEqual((await adoptions.pending({ environment: 'prod', application: 'web' })).map((a) => a.id), ['a1', 'a0']);
    assert.deepEqual((await adoptions.get('a1'))?.fields, base.fields, 'values keep their types');
    assert.equal(await adoptions.resolve('a1', 'applied', 'b'.repeat(40), NOW + 3), true);
    assert.equal(await adoptions.resolve('a1', 'withdrawn', '', NOW + 4), false, 'resolved once');
    const resolved = await adoptions.get('a1');
    assert.deepEqual([resolved?.state, resolved?.resolvedAt, resolved?.resolvedRevision], ['applied', NOW + 3, 'b'.repeat(40)]);
    assert.deepEqual((await adoptions.pending({ environment: 'prod' })).map((a) => a.id), ['a2', 'a0']);
    assert.equal(await adoptions.get('nope'), undefined);
    // Rows an older hub ended as resumed or ended read as applied and withdrawn.
    const older = ['resumed', 'ended'] as unknown as ('applied' | 'withdrawn')[];
    await adoptions.resolve('a2', older[0] ?? 'applied', 'c'.repeat(40), NOW + 5);
    await adoptions.resolve('a0', older[1] ?? 'withdrawn', '', NOW + 6);
    assert.deepEqual([(await adoptions.get('a2'))?.state, (await adoptions.get('a0'))?.state], ['applied', 'withdrawn']);
  });

  await onBothEngines(t, 'a release keeps its run and job; the syncs of a commit are found by an indexed read', async (store) => {
    const { release } = await store.releases.create({ promotion: 'web', values: { image: '1' }, origin: 'run r1/build', run: { id: 'r1', job: 'build' }, createdBy: 'ops', createdAt: NOW });
    assert.deepEqual((await store.releases.get(release.id))?.run, { id: 'r1', job: 'build' });
    const { release: plain } = await store.releases.create({ promotion: 'web', values: { image: '2' }, origin: 'api', createdBy: 'ops', createdAt: NOW });
    assert.equal((await store.releases.get(plain.id))?.run, undefined);
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    const sync = (environment: string, revision: string, at: number) => store.ledger.append({ environment, application: 'web', at, kind: 'sync', details: { revision, result: 'succeeded' } });
    await sync('dev', a, NOW + 1);
    await sync('prod-eu', a, NOW + 2);
    await sync('prod-us', b, NOW + 3);
    await sync('dev', a, NOW + 5);
    await store.ledger.append({ environment: 'dev', at: NOW + 4, kind: 'gitops-commit', details: { revision: a } });
    assert.deepEqual((await store.ledger.syncsOf([a])).map((e) => [e.environment, e.at]), [['dev', new Date(NOW + 1).toISOString()], ['prod-eu', new Date(NOW + 2).toISOString()]], 'the first pass of each agent at the commit');
    assert.deepEqual((await store.ledger.syncsOf([a, b, 'not-a-sha'])).map((e) => e.environment), ['dev', 'prod-eu', 'prod-us']);
    assert.deepEqual(await store.ledger.syncsOf([]), []);
  });
});
