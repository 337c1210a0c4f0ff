/**
 * `trueup runner` processes joined to a real hub (TLS WebSocket): a dispatched workflow runs on
 * them with `needs` and outputs, its log and steps are shown by the API, and a runner killed
 * with SIGKILL mid-job loses its lease: a build job is queued again and finishes on another
 * runner, a job that targets an environment ends failed as "runner lost" and is not run again.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Auth, HubClient, startHub, type RunningHub } from '@trueup/hub';
import { repoKey } from '@trueup/api';
import { createWorkRepo, requireGit } from '@trueup/testkit';
import { eventually, finished, hubForRunners, startRunner, trueup, type RunView } from './runner-testing.ts';

test('a workflow dispatched on the hub runs on joined runners: needs, outputs, steps and the log', async (t) => {
  if (!(await requireGit(t))) return;
  const { dir, client } = await hubForRunners(t);
  const repo = await createWorkRepo(join(dir, 'repo'));
  await repo.write({
    '.trueup/workflows/ci.yml': `on:
  workflow_dispatch:
    inputs:
      greeting: { type: string, default: hello }
jobs:
  build:
    runs-on: linux
    outputs:
      word: \${{ steps.make.outputs.word }}
    steps:
      - uses: actions/checkout@v4
      - id: make
        run: |
          echo "word=$(cat word.txt)" >> "$GITHUB_OUTPUT"
          echo "built \${{ inputs.greeting }}"
  test:
    needs: build
    runs-on: linux
    steps:
      - run: echo "tested \${{ needs.build.outputs.word }}"
`,
    'word.txt': 'banana\n',
  });
  await repo.commit('workflow');
  const one = await startRunner(t, dir, 'r1', 'linux');
  const hubArgs = ['--data-dir', join(dir, 'hub')];
  const dispatched = await trueup(['runs', 'dispatch', repo.dir, '--workflow', 'ci', '--ref', 'main', '--input', 'greeting=hi', '-o', 'json', ...hubArgs]);
  assert.equal(dispatched.code, 0, dispatched.stderr);
  const run = JSON.parse(dispatched.stdout) as { id: string; sha: string };
  assert.match(run.sha, /^[0-9a-f]{40}$/);
  // Followed live over Server-Sent Events until the job ends; the exit code is the job's.
  const followed = await trueup(['runs', 'logs', run.id, 'test', '-f', ...hubArgs]);
  assert.equal(followed.code, 0, followed.stderr);
  assert.match(followed.stdout, /tested banana/);
  const done = await finished(client, run.id);
  const shown = await trueup(['runs', 'show', run.id, ...hubArgs]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /build +success +\S+ +1/);
  assert.equal(done.conclusion, 'success', JSON.stringify(done) + one.output());
  assert.deepEqual(done.jobs.map((job) => [job.key, job.conclusion, job.attempt]), [['build', 'success', 1], ['test', 'success', 1]]);
  assert.deepEqual(done.jobs[0]?.steps.map((step) => step.conclusion), ['success', 'success']);
  const log = await client.get<string>(`/api/v1/runs/${run.id}/jobs/test/log`);
  assert.match(log, /tested banana/);
  assert.match(await client.get<string>(`/api/v1/runs/${run.id}/jobs/build/log`), /built hi/);
  const runs = await client.get<{ items: { id: string }[] }>('/api/v1/runs');
  assert.equal(runs.items[0]?.id, run.id);
  // A person re-runs one job: the next attempt, with the outputs its needs had; build is not run again.
  const rerun = await trueup(['runs', 'rerun', run.id, 'test', ...hubArgs]);
  assert.equal(rerun.code, 0, rerun.stderr);
  const again = await finished(client, run.id);
  assert.equal(again.conclusion, 'success');
  assert.deepEqual(again.jobs.map((job) => [job.key, job.conclusion, job.attempt]), [['build', 'success', 1], ['test', 'success', 2]]);
  assert.match(await client.get<string>(`/api/v1/runs/${run.id}/jobs/test/log`), /tested banana/);
  const ledger = await client.get<{ items: { kind: string }[] }>('/api/v1/events?limit=100');
  assert.ok(ledger.items.some((e) => e.kind === 'run-finished'), JSON.stringify(ledger.items.map((e) => e.kind)));
});

test('a runner killed mid-job: its build job is queued again elsewhere, its environment job ends as "runner lost"', async (t) => {
  if (!(await requireGit(t))) return;
  const { dir, client } = await hubForRunners(t);
  const repo = await createWorkRepo(join(dir, 'repo'));
  await repo.write({
    '.trueup/workflows/slow.yml': `on: workflow_dispatch
jobs:
  build:
    runs-on: linux
    steps:
      - run: sleep 600
  deploy:
    runs-on: deployer
    environment: production
    steps:
      - run: sleep 600
`,
  });
  await repo.commit('slow');
  const build = await startRunner(t, dir, 'b1', 'linux');
  const deploy = await startRunner(t, dir, 'd1', 'deployer');
  const run = await client.post<{ id: string }>('/api/v1/runs', { repository: repo.dir, workflow: 'slow' });
  const job = async (key: string): Promise<RunView['jobs'][number] | undefined> => (await client.get<RunView>(`/api/v1/runs/${run.id}`)).jobs.find((j) => j.key === key);
  const stepRunning = async (key: string): Promise<true | undefined> => ((await job(key))?.steps[0]?.conclusion === null ? true : undefined);
  await eventually('the build step running', () => stepRunning('build'));
  await eventually('the deploy step running', () => stepRunning('deploy'));
  build.kill('SIGKILL');
  deploy.kill('SIGKILL');
  // The deploy job is failed as soon as its lease runs out, and never offered again.
  const lost = await eventually('the deploy job to end', async () => {
    const view = await job('deploy');
    return view?.status === 'completed' ? view : undefined;
  }, 30_000);
  assert.equal(lost.conclusion, 'failure');
  assert.equal(lost.note, 'runner lost');
  assert.equal(lost.attempt, 1);
  // The build job waits for a runner again; a new one takes it (second attempt).
  const waiting = await eventually('the build job queued again', async () => {
    const view = await job('build');
    return view?.status === 'queued' && view.note?.includes('re-queued') === true ? view : undefined;
  }, 30_000);
  assert.equal(waiting.runner, null);
  // A new deployer runner gets nothing: the lost deploy job is not run again by itself.
  const deploy2 = await startRunner(t, dir, 'd2', 'deployer');
  await startRunner(t, dir, 'b2', 'linux');
  await eventually('the build job running again', () => stepRunning('build'));
  const again = await job('build');
  assert.equal(again?.attempt, 2);
  assert.equal(again?.status, 'running');
  assert.doesNotMatch(deploy2.output(), /job deploy/);
  const log = await client.get<string>(`/api/v1/runs/${run.id}/jobs/deploy/log`);
  assert.match(log, /runner lost/);
  await client.post(`/api/v1/runs/${run.id}/cancel`);
  const done = await finished(client, run.id);
  assert.equal(done.conclusion, 'cancelled');
  assert.equal(done.jobs.find((j) => j.key === 'deploy')?.attempt, 1);
  const ledger = await client.get<{ items: { kind: string }[] }>('/api/v1/events?limit=100');
  assert.ok(ledger.items.some((e) => e.kind === 'runner-lost'));
  assert.ok(ledger.items.some((e) => e.kind === 'deployment-job-finished'));
  // Run again only when a person asks: then it is the next attempt, on the deployer runner linked now.
  await client.post(`/api/v1/runs/${run.id}/jobs/deploy/rerun`);
  await eventually('the deploy job running again', () => stepRunning('deploy'));
  assert.equal((await job('deploy'))?.attempt, 2);
  await eventually('d2 took it', async () => (deploy2.output().includes('job deploy') ? true : undefined));
  await client.post(`/api/v1/runs/${run.id}/cancel`);
  assert.equal((await finished(client, run.id)).conclusion, 'cancelled');
});

test('a tracked repository: a push runs the workflows whose filters match; Trueup\'s own commits run nothing', async (t) => {
  if (!(await requireGit(t))) return;
  const { dir, hub, client } = await hubForRunners(t);
  const repo = await createWorkRepo(join(dir, 'repo'));
  await repo.write({
    '.trueup/workflows/app.yml': `on:
  push:
    branches: [main]
    paths: ['app/**']
jobs:
  build:
    runs-on: linux
    steps:
      - uses: actions/checkout@v4
      - run: cat app/version
`,
    '.trueup/workflows/docs.yml': `on:
  push:
    paths: ['docs/**']
jobs:
  docs:
    runs-on: linux
    steps:
      - run: echo docs
`,
    'app/version': '1\n',
  });
  const first = await repo.commit('start');
  const added = await trueup(['hub', 'repos', 'add', repo.dir, '--data-dir', join(dir, 'hub')]);
  assert.equal(added.code, 0, added.stderr);
  await startRunner(t, dir, 'r1', 'linux');
  const secret = (await readFile(join(dir, 'hub', 'webhook.secret'), 'utf8')).trim();
  const pushed = async (): Promise<void> => {
    const hook = new HubClient({ url: hub.url, token: secret, ca: hub.tls.ca });
    await hook.post('/api/v1/webhooks/git', { repoURL: repo.dir, ref: 'refs/heads/main' });
  };
  const runsNow = async (): Promise<{ id: string; workflow: string; sha: string; event: string; status: string; conclusion: string | null }[]> => (await client.get<{ items: { id: string; workflow: string; sha: string; event: string; status: string; conclusion: string | null }[] }>('/api/v1/runs')).items;
  // The commits there when the repository was added are not run.
  assert.deepEqual(await runsNow(), []);
  await repo.write({ 'app/version': '2\n' });
  const second = await repo.commit('app 2');
  assert.notEqual(first, second);
  await pushed();
  const run = await eventually('a run of app.yml', async () => (await runsNow()).find((r) => r.sha === second));
  assert.equal(run.workflow, '.trueup/workflows/app.yml');
  assert.equal(run.event, 'push');
  assert.equal((await finished(client, run.id)).conclusion, 'success');
  assert.match(await client.get<string>(`/api/v1/runs/${run.id}/jobs/build/log`), /^2$/m);
  // docs.yml's paths did not change: it did not run.
  assert.equal((await runsNow()).length, 1);
  // A commit made by Trueup itself starts nothing, even where the paths match.
  await repo.write({ 'app/version': '3\n', 'docs/readme': 'x\n' });
  await repo.git('add', '--all');
  await repo.git('commit', '--quiet', '-m', 'bump', '-m', 'Trueup-Automated: true');
  await pushed();
  await hub.triggers.scan(repoKey(repo.dir));
  assert.equal((await runsNow()).length, 1);
  // The next person's commit touching docs/ runs docs.yml only.
  await repo.write({ 'docs/readme': 'y\n' });
  const fourth = await repo.commit('docs');
  await pushed();
  await hub.triggers.scan(repoKey(repo.dir));
  const docs = await eventually('a run of docs.yml', async () => (await runsNow()).find((r) => r.sha === fourth));
  assert.equal(docs.workflow, '.trueup/workflows/docs.yml');
  assert.equal((await runsNow()).filter((r) => r.sha === fourth).length, 1);
  assert.equal((await finished(client, docs.id)).conclusion, 'success');
});

test('secrets and a protected environment: sealed at rest, released after an approval by another person; a newer run supersedes a waiting one', async (t) => {
  if (!(await requireGit(t))) return;
  const { dir, hub, client } = await hubForRunners(t);
  const repo = await createWorkRepo(join(dir, 'repo'));
  await repo.write({
    '.trueup/workflows/deploy.yml': `on: workflow_dispatch
jobs:
  build:
    runs-on: linux
    steps:
      - run: test -z "\${{ secrets.DEPLOY_KEY }}" && test "\${{ secrets.TOKEN }}" = repo-level
  deploy:
    needs: build
    runs-on: linux
    environment: production
    steps:
      - run: test "\${{ secrets.DEPLOY_KEY }}" = s3cr3t-value && echo "key=\${{ secrets.DEPLOY_KEY }}"
`,
  });
  await repo.commit('deploy');
  await client.post('/api/v1/secrets', { repository: repo.dir, name: 'TOKEN', value: 'repo-level' });
  await client.post('/api/v1/secrets', { repository: repo.dir, environment: 'production', name: 'DEPLOY_KEY', value: 's3cr3t-value' });
  await client.post('/api/v1/pipeline-environments/production', { requiredApprovals: 1 });
  await startRunner(t, dir, 'r1', 'linux');
  const auth = new Auth(hub.store, Date.now);
  const viewer = new HubClient({ url: hub.url, token: await auth.createToken('watcher', 'viewer'), ca: hub.tls.ca });
  const job = async (id: string, key: string): Promise<RunView['jobs'][number] | undefined> => (await client.get<RunView>(`/api/v1/runs/${id}`)).jobs.find((j) => j.key === key);
  const first = await client.post<{ id: string }>('/api/v1/runs', { repository: repo.dir, workflow: 'deploy' });
  const waiting = await eventually('the deploy job waiting for approval', async () => {
    const view = await job(first.id, 'deploy');
    return view?.status === 'waiting' && view.note?.includes('approval') === true ? view : undefined;
  });
  assert.match(waiting.note ?? '', /0 of 1/);
  assert.equal((await job(first.id, 'build'))?.conclusion, 'success');
  // The person who triggered the run may not approve it; a viewer may not approve at all.
  await assert.rejects(client.post(`/api/v1/runs/${first.id}/approve`, { environment: 'production' }), (error: Error & { status?: number }) => error.status === 403);
  await assert.rejects(viewer.post(`/api/v1/runs/${first.id}/approve`, { environment: 'production' }), (error: Error & { status?: number }) => error.status === 403);
  // A newer run supersedes the waiting one: it never runs.
  const second = await client.post<{ id: string }>('/api/v1/runs', { repository: repo.dir, workflow: 'deploy' });
  const superseded = await eventually('the older deploy superseded', async () => {
    const view = await job(first.id, 'deploy');
    return view?.status === 'completed' ? view : undefined;
  });
  assert.equal(superseded.conclusion, 'superseded');
  assert.equal(superseded.runner, null);
  await eventually('the newer deploy waiting', async () => ((await job(second.id, 'deploy'))?.status === 'waiting' ? true : undefined));
  const opsToken = join(dir, 'ops.token');
  await writeFile(opsToken, await auth.createToken('ops', 'operator'));
  const approved = await trueup(['runs', 'approve', second.id, '--environment', 'production', '--hub', hub.url, '--token-file', opsToken, '--ca-file', join(dir, 'hub', 'pki', 'ca.crt')]);
  assert.equal(approved.code, 0, approved.stderr);
  const done = await finished(client, second.id);
  assert.equal(done.conclusion, 'success', JSON.stringify(done));
  assert.match(await client.get<string>(`/api/v1/runs/${second.id}/jobs/deploy/log`), /key=\*\*\*/);
  assert.equal((await finished(client, first.id)).conclusion, 'cancelled');
  // Sealed at rest: the value is in neither the database nor its journal.
  for (const file of ['hub.db', 'hub.db-wal']) {
    const bytes = await readFile(join(dir, 'hub', file)).catch(() => Buffer.alloc(0));
    assert.equal(bytes.includes('s3cr3t-value'), false, file);
  }
  const ledger = await client.get<{ items: { kind: string }[] }>('/api/v1/events?limit=200');
  for (const kind of ['pipeline-secret-set', 'pipeline-environment-rules-changed', 'run-approved', 'deployment-superseded', 'run-approval-denied']) assert.ok(ledger.items.some((e) => e.kind === kind), kind);
});

test('the hub restarted mid-run: the run resumes, and a job for an environment that waited for a runner waits again', async (t) => {
  if (!(await requireGit(t))) return;
  const dir = await mkdtemp(join(tmpdir(), 'trueup-runner-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const repo = await createWorkRepo(join(dir, 'repo'));
  await repo.write({ '.trueup/workflows/w.yml': 'on: workflow_dispatch\njobs:\n  deploy:\n    runs-on: nobody-has-this\n    environment: production\n    steps:\n      - run: echo never\n' });
  await repo.commit('w');
  const start = (listen: string): Promise<RunningHub> => startHub({ dataDir: join(dir, 'hub'), listen, log: () => undefined, pipelinePollMs: 3_600_000 });
  let hub = await start('127.0.0.1:0');
  const token = (await readFile(hub.info.adminTokenFile, 'utf8')).trim();
  const run = await new HubClient({ url: hub.url, token, ca: hub.tls.ca }).post<{ id: string }>('/api/v1/runs', { repository: repo.dir, workflow: 'w' });
  const before = new HubClient({ url: hub.url, token, ca: hub.tls.ca });
  await eventually('the job queued', async () => ((await before.get<RunView>(`/api/v1/runs/${run.id}`)).jobs[0]?.status === 'queued' ? true : undefined));
  const address = new URL(hub.url).host;
  await hub.stop();
  hub = await start(address);
  t.after(() => hub.stop());
  const client = new HubClient({ url: hub.url, token, ca: hub.tls.ca });
  await eventually('the job waiting for a runner again', async () => (hub.runners.queued === 1 ? true : undefined));
  const view = await client.get<RunView>(`/api/v1/runs/${run.id}`);
  assert.equal(view.status, 'running');
  assert.equal(view.jobs[0]?.status, 'queued');
  const ledger = await client.get<{ items: { kind: string; details: { run?: string } }[] }>('/api/v1/events?limit=50');
  assert.ok(ledger.items.some((e) => e.kind === 'run-resumed' && e.details.run === run.id));
});

test('a schedule of a tracked repository\'s default branch starts runs by itself', async (t) => {
  if (!(await requireGit(t))) return;
  const { dir, client } = await hubForRunners(t);
  const repo = await createWorkRepo(join(dir, 'repo'));
  await repo.write({ '.trueup/workflows/nightly.yml': "on:\n  schedule:\n    - cron: '* * * * *'\njobs:\n  tick:\n    runs-on: linux\n    steps:\n      - run: echo tick\n" });
  await repo.commit('nightly');
  await client.post('/api/v1/repos', { url: repo.dir });
  await startRunner(t, dir, 'r1', 'linux');
  // Every minute: within 70 s a run with event "schedule" has started.
  const run = await eventually('a scheduled run', async () => (await client.get<{ items: { id: string; event: string; ref: string }[] }>('/api/v1/runs')).items.find((r) => r.event === 'schedule'), 75_000);
  assert.equal(run.ref, 'refs/heads/main');
  assert.equal((await finished(client, run.id)).conclusion, 'success');
});

test('concurrency groups: a newer run with cancel-in-progress cancels the one holding the group; without it, it waits its turn', async (t) => {
  if (!(await requireGit(t))) return;
  const { dir, client } = await hubForRunners(t);
  const repo = await createWorkRepo(join(dir, 'repo'));
  await repo.write({
    '.trueup/workflows/cip.yml': "on: workflow_dispatch\njobs:\n  deploy:\n    runs-on: linux\n    concurrency:\n      group: deploy-${{ github.ref }}\n      cancel-in-progress: true\n    steps:\n      - run: sleep 600\n",
    '.trueup/workflows/queue.yml': "on: workflow_dispatch\nconcurrency: one-at-a-time\njobs:\n  work:\n    runs-on: linux\n    steps:\n      - run: sleep 1\n",
  });
  await repo.commit('groups');
  await startRunner(t, dir, 'r1', 'linux');
  const job = async (id: string, key: string): Promise<RunView['jobs'][number] | undefined> => (await client.get<RunView>(`/api/v1/runs/${id}`)).jobs.find((j) => j.key === key);
  const first = await client.post<{ id: string }>('/api/v1/runs', { repository: repo.dir, workflow: 'cip' });
  await eventually('the first deploy running', async () => ((await job(first.id, 'deploy'))?.steps[0]?.conclusion === null ? true : undefined));
  const second = await client.post<{ id: string }>('/api/v1/runs', { repository: repo.dir, workflow: 'cip' });
  assert.equal((await finished(client, first.id)).conclusion, 'cancelled');
  await eventually('the second deploy running', async () => ((await job(second.id, 'deploy'))?.steps[0]?.conclusion === null ? true : undefined));
  await client.post(`/api/v1/runs/${second.id}/cancel`);
  assert.equal((await finished(client, second.id)).conclusion, 'cancelled');
  // Without cancel-in-progress the second run waits for the first, then runs (though a second runner is idle).
  await startRunner(t, dir, 'r2', 'linux');
  const a = await client.post<{ id: string }>('/api/v1/runs', { repository: repo.dir, workflow: 'queue' });
  const b = await client.post<{ id: string }>('/api/v1/runs', { repository: repo.dir, workflow: 'queue' });
  const [doneA, doneB] = [await finished(client, a.id), await finished(client, b.id)];
  assert.equal(doneA.conclusion, 'success');
  assert.equal(doneB.conclusion, 'success');
  const jobA = doneA.jobs[0] as unknown as { finishedAt: string };
  const jobB = doneB.jobs[0] as unknown as { startedAt: string };
  assert.ok(Date.parse(jobB.startedAt) >= Date.parse(jobA.finishedAt), `${jobB.startedAt} after ${jobA.finishedAt}`);
});

test('a matrix with max-parallel 1 runs its jobs one after another though two runners are idle', async (t) => {
  if (!(await requireGit(t))) return;
  const { dir, client } = await hubForRunners(t);
  const repo = await createWorkRepo(join(dir, 'repo'));
  await repo.write({ '.trueup/workflows/m.yml': "on: workflow_dispatch\njobs:\n  m:\n    runs-on: linux\n    strategy:\n      max-parallel: 1\n      matrix:\n        n: [1, 2, 3]\n    steps:\n      - run: sleep 1\n" });
  await repo.commit('m');
  await startRunner(t, dir, 'r1', 'linux');
  await startRunner(t, dir, 'r2', 'linux');
  const run = await client.post<{ id: string }>('/api/v1/runs', { repository: repo.dir, workflow: 'm' });
  const done = await finished(client, run.id);
  assert.equal(done.conclusion, 'success');
  const jobs = (done.jobs as unknown as { key: string; startedAt: string; finishedAt: string }[]).toSorted((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  assert.deepEqual(jobs.map((j) => j.key).sort(), ['m#0', 'm#1', 'm#2']);
  for (let i = 1; i < jobs.length; i += 1) assert.ok(Date.parse(jobs[i]?.startedAt ?? '') >= Date.parse(jobs[i - 1]?.finishedAt ?? ''), JSON.stringify(jobs));
});

test('a runner that stops answering with its connection open loses its job after the lease; its late answers change nothing', async (t) => {
  if (!(await requireGit(t))) return;
  const { dir, client } = await hubForRunners(t);
  const repo = await createWorkRepo(join(dir, 'repo'));
  await repo.write({ '.trueup/workflows/b.yml': 'on: workflow_dispatch\njobs:\n  build:\n    runs-on: linux\n    steps:\n      - run: sleep 3\n' });
  await repo.commit('b');
  const frozen = await startRunner(t, dir, 'r1', 'linux');
  const run = await client.post<{ id: string }>('/api/v1/runs', { repository: repo.dir, workflow: 'b' });
  const job = async (): Promise<RunView['jobs'][number] | undefined> => (await client.get<RunView>(`/api/v1/runs/${run.id}`)).jobs[0];
  await eventually('the step running', async () => ((await job())?.steps[0]?.conclusion === null ? true : undefined));
  const first = (await job())?.runner;
  // Frozen: the TCP connection stays open, nothing is sent. Only the silence tells.
  frozen.kill('SIGSTOP');
  t.after(() => { frozen.kill('SIGCONT'); });
  await eventually('the job queued again', async () => ((await job())?.status === 'queued' ? true : undefined), 20_000);
  await startRunner(t, dir, 'r2', 'linux');
  const done = await finished(client, run.id);
  assert.equal(done.conclusion, 'success');
  assert.equal(done.jobs[0]?.attempt, 2);
  assert.notEqual(done.jobs[0]?.runner, first);
  frozen.kill('SIGCONT');
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const after = await client.get<RunView>(`/api/v1/runs/${run.id}`);
  assert.deepEqual([after.conclusion, after.jobs[0]?.attempt, after.jobs[0]?.runner], ['success', 2, done.jobs[0]?.runner]);
});
