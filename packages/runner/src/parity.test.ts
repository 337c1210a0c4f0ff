import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import type { JobEvent, JobSpec } from '@trueup/api';
import { LocalArtifactStore } from './artifact-store.ts';
import { LocalRepoSource } from './checkout-source.ts';
import type { ExecutorOptions } from './executor-options.ts';
import { resultFromEvents } from './job-result.ts';
import type { JobResult } from './run-job.ts';
import { EXAMPLE_REPO, makeRepo, recordRun } from './testing.ts';

const EXEC_JOB = join(import.meta.dirname, '..', 'testdata', 'exec-job.ts');

/** Runs each job in a child process, passing only JSON: the spec in, the events out. */
async function inAnotherProcess(spec: JobSpec, options: ExecutorOptions, emit: (event: JobEvent) => void): Promise<JobResult> {
  assert.ok(options.checkout instanceof LocalRepoSource && options.artifacts instanceof LocalArtifactStore);
  const child = spawn(process.execPath, [EXEC_JOB], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.end(JSON.stringify({ spec: JSON.parse(JSON.stringify(spec)) as JobSpec, repoDir: options.checkout.repoDir, sha: options.checkout.sha, workRoot: options.workRoot, artifactsDir: options.artifacts.dir }));
  const events: JobEvent[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    const event = JSON.parse(line) as JobEvent;
    events.push(event);
    emit(event);
  }
  return resultFromEvents(spec, events);
}

test('parity: the example workflow gives the same results with jobs run in-process and run from JSON in another process', async (t) => {
  const repo = makeRepo({}, EXAMPLE_REPO);
  t.after(repo.cleanup);
  const here = await recordRun({ repoDir: repo.dir, event: 'workflow_dispatch', inputs: { greeting: 'hey' } });
  const there = await recordRun({ repoDir: repo.dir, event: 'workflow_dispatch', inputs: { greeting: 'hey' } }, inAnotherProcess);
  // Job folders differ by name from run to run; everything else must be the same.
  const view = (r: typeof here): unknown => JSON.parse(JSON.stringify(r.run.result.jobs.map((job) => ({
    name: job.name, conclusion: job.conclusion, outputs: job.outputs,
    steps: job.result?.steps.map((s) => ({ id: s.id, outcome: s.outcome, conclusion: s.conclusion, outputs: s.outputs })),
    summary: job.result?.summary,
  })).sort((a, b) => a.name.localeCompare(b.name))).replace(/[^"]*\/jobs\/[^/"]+\/workspace/g, '<workspace>'));
  assert.equal(here.run.result.conclusion, 'success');
  assert.deepEqual(view(there), view(here));
  assert.equal(there.run.result.conclusion, 'success');
  const stepNames = (r: typeof here): string[] => r.events.filter((e) => e.event.type === 'step-started').map((e) => `${e.key}:${e.event.type === 'step-started' ? e.event.name : ''}`).sort();
  assert.deepEqual(stepNames(there), stepNames(here));
});
