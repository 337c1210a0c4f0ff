import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onBothEngines } from './testing.ts';

const NOW = 1_800_000_000_000;

test('run artifacts', async (t) => {
  await onBothEngines(t, 'an upload becomes the artifact only when complete; overwrite swaps it whole; expired ones are swept', async (store) => {
    const a = store.runArtifacts;
    await a.putChunk('u1', 0, Buffer.from('hello '), NOW);
    await a.putChunk('u1', 1, Buffer.from([0, 255, 10]), NOW);
    assert.deepEqual(await a.list('run1', NOW), [], 'an incomplete upload is not listed');
    const record = { runId: 'run1', name: 'dist', uploadId: 'u1', bytes: 9, files: 2, uploadedBy: 'runner:r1', createdAt: NOW, expiresAt: NOW + 1000 };
    assert.equal(await a.complete(record, false), true);
    assert.deepEqual(await a.get('run1', 'dist', NOW), record);
    assert.deepEqual(await a.chunk('u1', 1), Buffer.from([0, 255, 10]));
    assert.equal(await a.chunk('u1', 2), undefined);
    // Without overwrite a second upload of the name is refused and changes nothing.
    await a.putChunk('u2', 0, Buffer.from('new'), NOW);
    assert.equal(await a.complete({ ...record, uploadId: 'u2', bytes: 3 }, false), false);
    assert.equal((await a.get('run1', 'dist', NOW))?.uploadId, 'u1');
    assert.equal(await a.complete({ ...record, uploadId: 'u2', bytes: 3 }, true), true);
    assert.equal(await a.chunk('u1', 0), undefined, 'the replaced upload is gone');
    assert.deepEqual(await a.chunk('u2', 0), Buffer.from('new'));
    // A stale incomplete upload and the expired artifact are swept; nothing else.
    await a.putChunk('u3', 0, Buffer.from('half'), NOW - 10);
    await a.putChunk('u4', 0, Buffer.from('fresh'), NOW + 500);
    assert.equal(await a.get('run1', 'dist', NOW + 1000), undefined, 'expired is not served');
    assert.equal(await a.sweep(NOW + 1000, NOW), 1);
    assert.equal(await a.chunk('u2', 0), undefined);
    assert.equal(await a.chunk('u3', 0), undefined);
    assert.deepEqual(await a.chunk('u4', 0), Buffer.from('fresh'));
  });
});
