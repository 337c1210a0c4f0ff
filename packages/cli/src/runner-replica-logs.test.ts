/**
 * A job's live log from any replica: the run is held by replica B, whose runner runs the job;
 * replica A, holding neither, streams the log as it grows (from the store, told of new chunks
 * by LISTEN/NOTIFY) to its end, and a reader that comes back with Last-Event-ID gets the rest,
 * never a line twice.
 */
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createWorkRepo, requireGit } from '@trueup/testkit';
import { skipWithoutPostgres } from '@trueup/testkit/postgres';
import { eventually, finished, hubReplicas, spawnRunner } from './runner-testing.ts';

const numbered = (word: string): string[] => Array.from({ length: 20 }, (_, i) => `${word} ${i + 1}`);
const shown = (text: string): string[] => text.split('\n').filter((line) => /^(before|after) \d+$/.test(line));

test('the replica holding neither the run nor the runner streams a job\'s live log to its end; Last-Event-ID resumes it', { skip: skipWithoutPostgres() }, async (t) => {
  if (!(await requireGit(t))) return;
  const { dir, a, b, viaA, viaB, defer } = await hubReplicas(t, 'logs');
  const { token: runnerToken } = await viaB.post<{ token: string }>('/api/v1/runner-tokens', { ttl: '10m' });
  const runner = await spawnRunner(defer, dir, runnerToken, 'r1', 'linux');
  await eventually('the runner linked to B', async () => (b.runners.linked().length === 1 ? true : undefined), 90_000, () => runner.output());
  const repo = await createWorkRepo(join(dir, 'repo'));
  await repo.write({
    '.trueup/workflows/talk.yml': `on: workflow_dispatch
jobs:
  talk:
    runs-on: linux
    steps:
      - run: for i in $(seq 1 20); do echo "before $i"; done
      - run: while [ ! -e "$RUNNER_TEMP/../gate" ]; do sleep 0.2; done
      - run: for i in $(seq 1 20); do echo "after $i"; done
`,
  });
  await repo.commit('talk');
  const { id } = await viaB.post<{ id: string }>('/api/v1/runs', { repository: repo.dir, workflow: 'talk', ref: 'main', inputs: {} });
  const path = `/api/v1/runs/${id}/jobs/talk/log?follow=true`;

  let streamed = '';
  const events: { id: string; text: string }[] = [];
  let ended = false;
  const streaming = viaA.stream(path, (event, data, eventId) => {
    if (event === 'log') streamed += JSON.parse(data) as string;
    if (event === 'log') events.push({ id: eventId ?? '', text: JSON.parse(data) as string });
    if (event === 'end') ended = true;
  });
  await eventually('the lines before the gate streamed by A', async () => (/before 20\n/.test(streamed) ? true : undefined), 90_000, () => streamed + runner.output());
  assert.equal(ended, false, 'the job waits at its gate: the stream goes on');
  assert.equal(a.runners.linked().length, 0, 'A has no runner');
  const jobDirs = (await readdir(join(dir, 'r1', 'jobs'))).filter((name) => name.startsWith('talk-'));
  assert.equal(jobDirs.length, 1, jobDirs.join(', '));
  await writeFile(join(dir, 'r1', 'jobs', jobDirs[0] as string, 'gate'), '');
  await streaming;
  assert.equal(ended, true, streamed);
  assert.deepEqual(shown(streamed), [...numbered('before'), ...numbered('after')], streamed);
  assert.equal((await finished(viaA, id)).conclusion, 'success');

  // Resumed after the first event, at the other replica: the rest, and nothing of what came before.
  const [firstEvent] = events;
  assert.ok(firstEvent !== undefined && /^\d+$/.test(firstEvent.id) && events.length >= 2, JSON.stringify(events));
  let rest = '';
  await viaB.stream(path, (event, data) => {
    if (event === 'log') rest += JSON.parse(data) as string;
  }, undefined, firstEvent.id);
  const whole = await viaA.get<string>(`/api/v1/runs/${id}/jobs/talk/log`);
  assert.equal(whole, streamed);
  assert.equal(firstEvent.text + rest, whole);
});
