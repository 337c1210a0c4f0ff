/**
 * A real `trueup hub` process killed in the middle of a run and started again on the same data
 * dir (SQLite): the runner that comes back keeps its job, the hub adopts it (its steps and log
 * go on, nothing that targets an environment runs twice), the jobs after it are planned with the
 * outputs of the jobs that ended before the restart. A job whose runner does not come back
 * within the lease fails as "runner lost" when it targets an environment. The job's log keeps
 * every line from before the restart and goes on after it, each line once, also for
 * `trueup runs logs -f` followed across the restart.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { HubClient } from '@trueup/hub';
import { createWorkRepo, freePort, requireGit } from '@trueup/testkit';
import { skipWithoutPostgres, startPostgres } from '@trueup/testkit/postgres';
import { MAIN } from './cli-testing.ts';
import { eventually, finished, startRunner, type RunView } from './runner-testing.ts';

interface HubProcess {
  client: HubClient;
  output(): string;
  kill(): Promise<void>;
}

/** `trueup hub` as its own process on a fixed port, so it can be killed and started again there. */
async function hubProcess(t: TestContext, dataDir: string, port: number, leaseSeconds: number, database?: string): Promise<HubProcess> {
  const args = [MAIN, 'hub', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--runner-lease', `${leaseSeconds}s`, '--poll-interval', '0', ...(database === undefined ? [] : ['--database', database])];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  t.after(kill);
  const client = await eventually('the hub listening', async () => {
    const info = JSON.parse(await readFile(join(dataDir, 'hub.json'), 'utf8')) as { url: string; caCertFile: string; adminTokenFile: string };
    const hub = new HubClient({ url: `https://127.0.0.1:${port}`, token: (await readFile(info.adminTokenFile, 'utf8')).trim(), ca: await readFile(info.caCertFile, 'utf8') });
    await hub.get('/api/v1/runs');
    return hub;
  }, 60_000, () => output);
  return { client, kill, output: () => output };
}

/** `trueup runs logs RUN JOB -f` against the hub of a data dir, as its own process. */
function followLog(t: TestContext, dataDir: string, runId: string, job: string): { output(): string; done: Promise<number | null> } {
  const child = spawn(process.execPath, [MAIN, 'runs', 'logs', runId, job, '-f', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const done = new Promise<number | null>((resolve) => child.once('close', resolve));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { output: () => output, done };
}

/** Opens the gate a job waits at: a file in its own folder (jobs see only their folder of /tmp). */
async function openGate(runnerDir: string, job: string): Promise<void> {
  const dirs = (await readdir(join(runnerDir, 'jobs'))).filter((name) => name.startsWith(`${job}-`));
  assert.equal(dirs.length, 1, dirs.join(', '));
  await writeFile(join(runnerDir, 'jobs', dirs[0] as string, 'gate'), '');
}

/** How many times the runner took the job (it says so once per offer taken). */
function taken(output: string, job: string, runId: string): number {
  return output.split('\n').filter((line) => line.includes(`job ${job} of run ${runId}`)).length;
}

const WAIT_AT_GATE = 'while [ ! -e "$RUNNER_TEMP/../gate" ]; do sleep 0.2; done';

async function dispatchRun(client: HubClient, repository: string, workflow: string): Promise<string> {
  return (await client.post<{ id: string }>('/api/v1/runs', { repository, workflow, ref: 'main', inputs: {} })).id;
}

/**
 * The hub killed while a job for an environment waits at its gate, started again on the same
 * data (on PostgreSQL as a new replica, which takes the run over after the lease).
 */
async function killedMidJob(t: TestContext, database: string | undefined): Promise<void> {
  const lease = database === undefined ? 30 : 3;
  const dir = await mkdtemp(join(tmpdir(), 'trueup-restart-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const port = await freePort();
  const dataDir = join(dir, 'hub');
  let hub = await hubProcess(t, dataDir, port, lease, database);
  const repo = await createWorkRepo(join(dir, 'repo'));
  await repo.write({
    '.trueup/workflows/ship.yml': `on: workflow_dispatch
jobs:
  build:
    runs-on: linux
    outputs:
      artifact: \${{ steps.out.outputs.artifact }}
    steps:
      - id: out
        run: echo "artifact=built-$GITHUB_SHA" >> "$GITHUB_OUTPUT"
  deploy:
    needs: build
    runs-on: linux
    environment: staging
    steps:
      - run: |
          echo "deploying \${{ needs.build.outputs.artifact }}"
          for i in $(seq 1 40); do echo "before $i"; done
          for i in $(seq 1 200); do echo "during $i"; sleep 0.02; done
      - run: ${WAIT_AT_GATE}
      - run: |
          for i in $(seq 1 40); do echo "after $i"; done
          echo "deploy done"
  after:
    needs: [build, deploy]
    runs-on: linux
    steps:
      - run: echo "after \${{ needs.build.outputs.artifact }}"
`,
  });
  const sha = await repo.commit('ship');
  const runner = await startRunner(t, dir, 'r1', 'linux');
  const runId = await dispatchRun(hub.client, repo.dir, 'ship');
  // Its log followed from before the kill to the end of the job, across the restart; the hub is
  // killed while the step prints, so some lines reached it and were not yet written.
  await eventually('the deploy job printing', async () => (/during 20\n/.test(await hub.client.get<string>(`/api/v1/runs/${runId}/jobs/deploy/log`)) ? true : undefined));
  const follower = followLog(t, dataDir, runId, 'deploy');
  await eventually('the follower showing the lines so far', async () => (/during 20\n/.test(follower.output()) ? true : undefined), 30_000, () => follower.output());
  await hub.kill();
  hub = await hubProcess(t, dataDir, port, lease, database);
  await openGate(join(dir, 'r1'), 'deploy');
  let last = '';
  const done = await eventually('the run to finish', async () => {
    const view = await hub.client.get<RunView>(`/api/v1/runs/${runId}`);
    last = JSON.stringify(view) + await hub.client.get<string>(`/api/v1/runs/${runId}/jobs/deploy/log`).catch(String);
    return view.status === 'completed' ? view : undefined;
  }, 30_000, () => `${hub.output()}\n${runner.output()}\n${last}`);
  const log = (job: string): Promise<string> => hub.client.get<string>(`/api/v1/runs/${runId}/jobs/${job}/log`);
  assert.deepEqual(Object.fromEntries(done.jobs.map((j) => [j.key, j.conclusion])), { build: 'success', deploy: 'success', after: 'success' }, `${await log('deploy')}\n${runner.output()}`);
  assert.equal(done.conclusion, 'success');
  assert.equal(taken(runner.output(), 'deploy', runId), 1, runner.output());
  const deployLog = await log('deploy');
  assert.match(deployLog, /the hub restarted; the log goes on from here/);
  assert.match(deployLog, /deploy done/);
  // Every line before and after the restart, each once, in order: in the store and as followed.
  const numbered = (['before', 'during', 'after'] as const).flatMap((word) => Array.from({ length: word === 'during' ? 200 : 40 }, (_, i) => `${word} ${i + 1}`));
  const shown = (text: string): string[] => text.split('\n').filter((line) => /^(before|during|after) \d+$/.test(line));
  assert.deepEqual(shown(deployLog), numbered, deployLog);
  const followed = await follower.done;
  assert.equal(followed, 0, follower.output());
  assert.deepEqual(shown(follower.output()), numbered, follower.output());
  assert.match(await log('after'), new RegExp(`after built-${sha}`));
  const deploy = (await hub.client.get<RunView>(`/api/v1/runs/${runId}`)).jobs.find((j) => j.key === 'deploy');
  assert.deepEqual(deploy?.steps.map((s) => s.conclusion), ['success', 'success', 'success']);
  assert.equal(deploy?.attempt, 1);
  const ledger = await hub.client.get<{ items: { kind: string; details: { run?: string } }[] }>('/api/v1/events?limit=100');
  assert.ok(ledger.items.some((e) => e.kind === 'run-resumed' && e.details.run === runId));
  assert.equal(ledger.items.some((e) => e.kind === 'run-abandoned'), false);
}

test('the hub killed mid-job and started again: the runner keeps its job and the hub adopts it; nothing runs twice; later jobs get the earlier outputs', async (t) => {
  if (!(await requireGit(t))) return;
  await killedMidJob(t, undefined);
});

test('the same on PostgreSQL: the hub started again takes the run over after the lease and adopts the job', { skip: skipWithoutPostgres() }, async (t) => {
  if (!(await requireGit(t))) return;
  const pg = await startPostgres();
  t.after(() => pg.stop());
  await killedMidJob(t, await pg.createDatabase('restart'));
});

test('the hub and the runner both gone mid-job: after the lease the job for an environment fails as "runner lost"; a build job is queued again and runs on another runner', async (t) => {
  if (!(await requireGit(t))) return;
  const dir = await mkdtemp(join(tmpdir(), 'trueup-restart-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const port = await freePort();
  const dataDir = join(dir, 'hub');
  let hub = await hubProcess(t, dataDir, port, 3);
  const repo = await createWorkRepo(join(dir, 'repo'));
  await repo.write({
    '.trueup/workflows/deploy.yml': `on: workflow_dispatch
jobs:
  deploy:
    runs-on: linux
    environment: staging
    steps:
      - run: echo started
      - run: ${WAIT_AT_GATE}
`,
    '.trueup/workflows/build.yml': `on: workflow_dispatch
jobs:
  build:
    runs-on: linux
    steps:
      - run: echo started
      - run: ${WAIT_AT_GATE}
      - run: echo "build done"
`,
  });
  await repo.commit('two');
  const first = await startRunner(t, dir, 'r1', 'linux');
  const second = await startRunner(t, dir, 'r2', 'linux');
  const deployRun = await dispatchRun(hub.client, repo.dir, 'deploy');
  const buildRun = await dispatchRun(hub.client, repo.dir, 'build');
  const running = (id: string): Promise<true | undefined> => hub.client.get<RunView>(`/api/v1/runs/${id}`).then((view) => (view.jobs[0]?.steps[0]?.conclusion === 'success' ? true : undefined));
  await eventually('both jobs past their first step', async () => ((await running(deployRun)) === true && (await running(buildRun)) === true ? true : undefined));
  await hub.kill();
  for (const runner of [first, second]) {
    const exited = new Promise((resolve) => runner.once('exit', resolve));
    runner.kill('SIGKILL');
    await exited;
  }
  hub = await hubProcess(t, dataDir, port, 3);
  const third = await startRunner(t, dir, 'r3', 'linux');
  await eventually('the build job on r3', async () => (taken(third.output(), 'build', buildRun) === 1 ? true : undefined), 60_000, () => hub.output());
  await eventually('its folder', () => openGate(join(dir, 'r3'), 'build').then(() => true));
  const deployed = await finished(hub.client, deployRun);
  assert.equal(deployed.jobs[0]?.conclusion, 'failure');
  assert.equal(deployed.jobs[0]?.note, 'runner lost');
  assert.equal(taken(first.output() + second.output() + third.output(), 'deploy', deployRun), 1, 'the job for an environment is not run again');
  const built = await finished(hub.client, buildRun);
  assert.equal(built.jobs[0]?.conclusion, 'success', third.output());
  assert.match(await hub.client.get<string>(`/api/v1/runs/${buildRun}/jobs/build/log`), /build done/);
  assert.equal(taken(first.output() + second.output() + third.output(), 'build', buildRun), 2, 'the build job ran again on another runner');
});
