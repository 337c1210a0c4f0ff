import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onBothEngines } from './testing.ts';

const NOW = 1_800_000_000_000;

test('adoptions', async (t) => {
  await onBothEngines(t, 'an adoption is pending until resolved once; pending lists by application, oldest first', async (store) => {
    const { adoptions } = store;
    const base = { environment: 'prod', application: 'web', object: 'v1/ConfigMap/web/cfg', repoURL: 'https://git.example/config.git', tracked: 'main', branch: 'trueup/adopt/x', revision: 'a'.repeat(40), file: 'app/cfg.yaml', fields: [{ path: 'data.mode', value: 'fast' }, { path: 'spec.replicas', value: 3 }], requestedBy: 'ops' };
    await adoptions.create({ ...base, id: 'a1', createdAt: NOW });
    await adoptions.create({ ...base, id: 'a2', application: 'api', createdAt: NOW + 1 });
    await adoptions.create({ ...base, id: 'a0', createdAt: NOW + 2 });
    assert.deepEqual((await adoptions.pending()).map((a) => a.id), ['a1', 'a2', 'a0']);
    assert.deepEqual((await adoptions.pending({ environment: 'prod', application: 'web' })).map((a) => a.id), ['a1', 'a0']);
    assert.deepEqual((await adoptions.get('a1'))?.fields, base.fields, 'values keep their types');
    assert.equal(await adoptions.resolve('a1', 'resumed', 'b'.repeat(40), NOW + 3), true);
    assert.equal(await adoptions.resolve('a1', 'ended', '', NOW + 4), false, 'resolved once');
    const resolved = await adoptions.get('a1');
    assert.deepEqual([resolved?.state, resolved?.resolvedAt, resolved?.resolvedRevision], ['resumed', NOW + 3, 'b'.repeat(40)]);
    assert.deepEqual((await adoptions.pending({ environment: 'prod' })).map((a) => a.id), ['a2', 'a0']);
    assert.equal(await adoptions.get('nope'), undefined);
  });
});
