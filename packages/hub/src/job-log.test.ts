/** A job's log goes to the store in chunks (by time or by size), stays bounded there and here, and says what it dropped. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onBothEngines } from '@trueup/store/testing';
import { JobLog, logText, type LogAppender } from './job-log.ts';

test('job log writer', async (t) => {
  await onBothEngines(t, 'lines within the flush time go as one chunk; a full chunk goes at once', async (store) => {
    const log = new JobLog(store.runLogs, 'run-1', 'build', { flushMs: 50 });
    log.append('one\n', 1);
    log.append('two\n', 2);
    for (let waited = 0; (await store.runLogs.read('run-1', 'build')) === undefined; waited += 20) {
      assert.ok(waited < 10_000, 'the chunk was never written');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual((await store.runLogs.read('run-1', 'build'))?.chunks, [{ seq: 1, text: 'one\ntwo\n' }]);
    assert.equal(await store.runLogs.runnerSeq('run-1', 'build'), 2, 'the runner\'s number of the last text in the chunk');

    // A flush time no test waits for: only the size sends these.
    const big = new JobLog(store.runLogs, 'run-1', 'deploy', { flushMs: 3_600_000, chunkBytes: 10 });
    big.append('12345\n');
    big.append('67890\n');
    for (let waited = 0; (await store.runLogs.read('run-1', 'deploy')) === undefined; waited += 20) {
      assert.ok(waited < 10_000, 'a full chunk was not written at once');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    big.append('tail\n');
    await big.end();
    big.append('after the end\n');
    await big.flush();
    assert.equal(logText(await store.runLogs.read('run-1', 'deploy') ?? { chunks: [], dropped: 0 }), '12345\n67890\ntail\n');
  });

  await onBothEngines(t, 'a step printing far more than the cap: the store keeps the newest, says how much went', async (store) => {
    const log = new JobLog(store.runLogs, 'run-1', 'flood', { maxBytes: 1000, chunkBytes: 100, flushMs: 10 });
    let printed = 0;
    for (let i = 0; i < 2000; i += 1) {
      const line = `line ${String(i).padStart(6, '0')} ${'x'.repeat(30)}\n`;
      printed += Buffer.byteLength(line);
      log.append(line);
    }
    await log.end();
    const read = await store.runLogs.read('run-1', 'flood');
    assert.ok(read !== undefined);
    const kept = read.chunks.reduce((sum, chunk) => sum + Buffer.byteLength(chunk.text), 0);
    assert.ok(kept <= 1000 + 200, `kept ${kept} bytes`);
    assert.ok(read.dropped > 0);
    const text = logText(read);
    assert.match(text, /^\[trueup\] \d+ earlier bytes of this log are not kept by the hub\n/);
    assert.match(text, /line 001999 x{30}\n$/);
    // Nothing appears twice and nothing after the first kept line is missing.
    const numbers = [...text.matchAll(/^line (\d{6})/gm)].map((m) => Number(m[1]));
    assert.deepEqual(numbers, numbers.map((_, i) => (numbers[0] ?? 0) + i));
    assert.ok(printed > 60_000);
  });
});

test('text arriving while the store is slow stays bounded here: the oldest is dropped with a note', async () => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const written: string[] = [];
  // A store that takes its first write only when released (a fault the real one cannot make on demand).
  const slow: LogAppender = {
    append: async (_run, _job, text) => {
      await gate;
      written.push(text);
      return written.length;
    },
  };
  const log = new JobLog(slow, 'run-1', 'flood', { maxBytes: 100, chunkBytes: 10, flushMs: 10 });
  log.append('first\n');
  await new Promise((resolve) => setTimeout(resolve, 30));
  for (let i = 0; i < 1000; i += 1) log.append(`line ${String(i).padStart(4, '0')}\n`);
  release();
  await log.end();
  const all = written.join('');
  assert.ok(Buffer.byteLength(all) < 250, all);
  assert.match(all, /^first\n\[trueup\] \d+ bytes of this log came faster than the store took them and are not kept\n/);
  assert.match(all, /line 0999\n$/);
});
