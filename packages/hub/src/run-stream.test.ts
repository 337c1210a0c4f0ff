/**
 * A run's stream: the run at once, then again after each write to it, its jobs or their steps;
 * others' writes send nothing. The list's stream (`?watch=true`): the list, then each run written.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunJobRecord } from '@trueup/store';
import { onBothEngines } from '@trueup/store/testing';
import { sseReader, type SseMessage } from './sse-reader.ts';
import { testApp } from './testing.ts';

interface ShownRun { id: string; status: string; conclusion: string | null; jobs: { key: string; status: string; steps: { name: string; conclusion: string | null }[] }[] }

const job = (runId: string, patch: Partial<RunJobRecord> = {}): RunJobRecord => ({
  runId, key: 'build', name: 'build', environment: undefined, status: 'running', conclusion: undefined, runnerId: 'r1', attempt: 1, note: undefined,
  queuedAt: 1, startedAt: 2, finishedAt: undefined, steps: [{ id: 's1', name: 'compile', startedAt: 2 }], ...patch,
});

test('run stream', async (t) => {
  await onBothEngines(t, 'the run, then each change of it, its jobs and steps', async (store) => {
    const { as, deps } = await testApp(store);
    const run = { repository: 'repo', workflow: 'ci.yml', event: 'push', ref: 'main', sha: 'a'.repeat(40), actor: 'ann', createdAt: 1 };
    await store.runs.create({ ...run, id: 'run-1' });
    await store.runs.create({ ...run, id: 'run-2' });

    assert.equal((await as('nobody', '/api/v1/runs/run-1/stream')).status, 401);
    assert.equal((await as('viewer', '/api/v1/runs/nope/stream')).status, 404);

    const response = await as('viewer', '/api/v1/runs/run-1/stream');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const next = async (): Promise<ShownRun> => {
      const message = await stream.next();
      assert.equal(message.event, 'run');
      return message.data as ShownRun;
    };
    const stream = sseReader(response.body as ReadableStream<Uint8Array>);
    const first = await next();
    assert.deepEqual([first.id, first.status, first.jobs], ['run-1', 'running', []]);
    const asShown = await (await as('viewer', '/api/v1/runs/run-1')).json();
    assert.deepEqual(first, asShown, 'the same shape as GET /api/v1/runs/{id}');

    await store.runs.putJob(job('run-2'));
    await store.runs.putJob(job('run-1'));
    const started = await next();
    assert.deepEqual(started.jobs.map((j) => [j.key, j.status, j.steps.map((s) => [s.name, s.conclusion])]), [['build', 'running', [['compile', null]]]], 'run-2\'s job sent nothing');

    await store.runs.putJob(job('run-1', { steps: [{ id: 's1', name: 'compile', startedAt: 2, finishedAt: 3, conclusion: 'success' }] }));
    assert.equal((await next()).jobs[0]?.steps[0]?.conclusion, 'success', 'a step\'s end is pushed');

    await store.runs.putJob(job('run-1', { status: 'completed', conclusion: 'success', finishedAt: 4, steps: [{ id: 's1', name: 'compile', startedAt: 2, finishedAt: 3, conclusion: 'success' }] }));
    await store.runs.finish('run-1', 'success', 5);
    let done = await next();
    if (done.status !== 'completed') done = await next();
    assert.deepEqual([done.status, done.conclusion, done.jobs[0]?.status], ['completed', 'success', 'completed']);
    await stream.close();
    // The hub's side ends once the reader has gone (before the store closes under it).
    const open = async (): Promise<number> => (await deps.metrics.streamSubscribers.get()).values[0]?.value ?? 0;
    for (let waited = 0; (await open()) > 0; waited += 20) {
      if (waited > 5_000) throw new Error('the stream did not end after its reader left');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  await onBothEngines(t, 'the list, then each run written, then the list again when several ended at once', async (store) => {
    const { as, deps } = await testApp(store);
    const run = { repository: 'repo', workflow: 'ci.yml', event: 'push', ref: 'main', sha: 'b'.repeat(40), actor: 'ann' };
    await store.runs.create({ ...run, id: 'run-a', createdAt: 1 });
    await store.runs.create({ ...run, id: 'run-b', createdAt: 2 });
    assert.equal((await as('nobody', '/api/v1/runs?watch=true')).status, 401);
    const response = await as('viewer', '/api/v1/runs?watch=true');
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const stream = sseReader(response.body as ReadableStream<Uint8Array>);
    const first = await stream.next();
    assert.equal(first.event, 'runs');
    assert.deepEqual((first.data as { items: { id: string }[] }).items.map((r) => r.id), ['run-b', 'run-a'], 'newest first, as GET /api/v1/runs');
    assert.deepEqual(first.data, await (await as('viewer', '/api/v1/runs')).json());

    // PostgreSQL may still deliver the signals of the runs made before the stream: a repeated summary is harmless, skipped here.
    const nextAbout = async (id: string): Promise<SseMessage> => {
      for (;;) {
        const message = await stream.next();
        if (message.event !== 'run' || (message.data as { id: string }).id === id) return message;
      }
    };
    await store.runs.create({ ...run, id: 'run-c', createdAt: 3 });
    const added = await nextAbout('run-c');
    assert.deepEqual([added.event, (added.data as { id: string; status: string }).id, (added.data as { status: string }).status], ['run', 'run-c', 'running']);
    await store.runs.finish('run-a', 'failure', 4);
    const finished = await nextAbout('run-a');
    assert.deepEqual([finished.event, (finished.data as { id: string }).id, (finished.data as { conclusion: string }).conclusion], ['run', 'run-a', 'failure']);
    await store.runs.abandonRun('run-c', 'the hub restarted', 5);
    await store.runs.abandonRun('run-b', 'the hub restarted', 5);
    // What PostgreSQL's listener says after it reconnects: anything may have changed.
    await store.signals.publish('runs', '*');
    const again = await nextAbout('');
    assert.equal(again.event, 'runs');
    assert.deepEqual((again.data as { items: { id: string; status: string }[] }).items.map((r) => [r.id, r.status]), [['run-c', 'completed'], ['run-b', 'completed'], ['run-a', 'completed']]);

    await stream.close();
    const open = async (): Promise<number> => (await deps.metrics.streamSubscribers.get()).values[0]?.value ?? 0;
    for (let waited = 0; (await open()) > 0; waited += 20) {
      if (waited > 5_000) throw new Error('the stream did not end after its reader left');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
});
