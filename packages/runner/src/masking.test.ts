import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LogSink } from './log-sink.ts';
import { Masker, maskForms } from './masker.ts';
import { recordRun, workflowRepo } from './testing.ts';

const SECRET = 'hunter2-s3cr3t/value+"quoted"';

test('every printed form of a secret is masked', () => {
  const masker = new Masker();
  masker.add(SECRET);
  const forms = [SECRET, Buffer.from(SECRET).toString('base64'), encodeURIComponent(SECRET), JSON.stringify(SECRET).slice(1, -1),
    Buffer.from(`x${SECRET}`).toString('base64'), Buffer.from(`xy${SECRET}`).toString('base64'), Buffer.from(`{"token":"${SECRET}"}`).toString('base64')];
  for (const form of forms) {
    const masked = masker.mask(`before ${form} after`);
    assert.ok(!masked.includes(SECRET), masked);
    assert.match(masked, /\*\*\*/, `${form} is masked`);
  }
  assert.ok(maskForms('ab').includes('ab'), 'a short secret is still masked as a whole');
});

test('a secret split across output chunks is masked once its line is whole, also in a very long line', () => {
  let log = '';
  const sink = new LogSink((text) => { log += text; });
  sink.masker.add(SECRET);
  const stream = sink.stream();
  const half = Math.floor(SECRET.length / 2);
  stream.write(Buffer.from(`start ${SECRET.slice(0, half)}`));
  stream.write(Buffer.from(`${SECRET.slice(half)} end\n`));
  stream.write(Buffer.from(`${'x'.repeat(70_000)}${SECRET.slice(0, 5)}`));
  stream.write(Buffer.from(`${SECRET.slice(5)}${'y'.repeat(70_000)}\n`));
  stream.end();
  assert.ok(!log.includes(SECRET.slice(0, half + 3)), 'no half of the secret shows');
  assert.equal(log.split('***').length - 1, 2);
});

test('the log is capped: past the cap output is dropped with one note, memory stays bounded', () => {
  let bytes = 0;
  let notes = 0;
  const cap = 1024 * 1024;
  const sink = new LogSink((text) => {
    bytes += Buffer.byteLength(text);
    if (text.includes('output truncated')) notes += 1;
  }, cap);
  const stream = sink.stream();
  const line = Buffer.from(`${'z'.repeat(99)}\n`);
  for (let i = 0; i < 30_000; i += 1) stream.write(line);
  stream.end();
  assert.ok(sink.truncated);
  assert.equal(notes, 1);
  assert.ok(bytes <= cap + 200, `${bytes} bytes kept`);
});

test('secrets stay out of a real job log: whole, in parts, encoded, and ::add-mask:: values', async (t) => {
  const repo = workflowRepo(`on: push
jobs:
  leak:
    runs-on: self-hosted
    steps:
      - id: out
        run: echo "token=\${{ secrets.OTHER }}" >> "$GITHUB_OUTPUT"
      - run: |
          echo "plain: $TOKEN"
          echo "substituted: \${{ secrets.OTHER }}"
          printf 'split: %s' "\${TOKEN:0:6}"; sleep 0.2; printf '%s\\n' "\${TOKEN:6}"
          echo "base64: $(printf %s "$TOKEN" | base64 -w0)"
          echo "prefixed base64: $(printf 'Bearer %s' "$TOKEN" | base64 -w0)"
          node -e 'console.log("url: " + encodeURIComponent(process.env.TOKEN)); console.log("json: " + JSON.stringify({ t: process.env.TOKEN }))'
          echo "::add-mask::run-time-value-42"
          echo "later: run-time-value-42"
        env:
          TOKEN: \${{ secrets.TOKEN }}
`);
  t.after(repo.cleanup);
  const secretFile = join(repo.dir, '..', `secrets-${process.pid}`);
  writeFileSync(secretFile, `TOKEN=${SECRET}\nOTHER=other-secret-value\n`);
  t.after(() => { import('node:fs').then(({ rmSync }) => rmSync(secretFile, { force: true })).catch(() => undefined); });
  const recorded = await recordRun({ repoDir: repo.dir, event: 'push', inputs: {}, secretFile });
  const log = recorded.logs.get('leak') ?? '';
  assert.equal(recorded.run.result.conclusion, 'success', log);
  for (const form of ['other-secret-value', SECRET, SECRET.slice(0, 6), SECRET.slice(6), Buffer.from(SECRET).toString('base64'), encodeURIComponent(SECRET), JSON.stringify(SECRET).slice(1, -1), 'run-time-value-42']) {
    assert.ok(!log.includes(form), `"${form}" leaked:\n${log}`);
  }
  const names = recorded.events.map((e) => (e.event.type === 'step-started' ? e.event.name : '')).join('\n');
  assert.ok(!names.includes('other-secret-value') && names.includes('Run echo "token=***"'), `step names are masked: ${names}`);
  const stepEvent = recorded.events.find((e) => e.event.type === 'step-finished' && e.event.id === 'out')?.event;
  assert.deepEqual(stepEvent?.type === 'step-finished' ? stepEvent.outputs : undefined, { token: '***' }, 'a step output shown outside the job is masked');
  for (const label of ['substituted: ***', 'plain: ***', 'base64: ***', 'url: ***', 'later: ***', '::add-mask::***']) assert.ok(log.includes(label), `${label} in:\n${log}`);
});

test('a step printing 100 MB: the job log stops at its cap with a note, the job goes on', async (t) => {
  const repo = workflowRepo(`on: push
jobs:
  loud:
    runs-on: self-hosted
    steps:
      - run: |
          set +o pipefail
          yes "$(printf 'x%.0s' $(seq 1 199))" | head -c 150000000
      - run: echo after the flood
`);
  t.after(repo.cleanup);
  let bytes = 0;
  let tail = '';
  const rssBefore = process.memoryUsage().rss;
  const { localRun } = await import('./local-run.ts');
  const run = await localRun({ repoDir: repo.dir, event: 'push', inputs: {} }, {
    onJobEvent: (_key, event) => {
      if (event.type !== 'log') return;
      bytes += Buffer.byteLength(event.text);
      tail = (tail + event.text).slice(-300);
    },
    onJobSkipped: () => undefined,
    onNote: () => undefined,
  });
  assert.equal(run.result.conclusion, 'success');
  assert.ok(run.result.jobs[0]?.result?.logTruncated);
  assert.ok(bytes <= 100 * 1024 * 1024 + 1024, `${bytes} bytes`);
  assert.ok(bytes > 99 * 1024 * 1024, `${bytes} bytes`);
  assert.match(tail, /output truncated: the log reached its cap of 104857600 bytes/);
  assert.ok(process.memoryUsage().rss - rssBefore < 200 * 1024 * 1024, 'memory stays bounded');
});
