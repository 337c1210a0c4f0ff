/**
 * `trueup rollback ENV`: a person deploys the previous revision again through the job that
 * deployed it (over SSH to a real sshd), only that job and what it needs run, and the ledger says
 * who rolled back from what to what; `--to RUN` picks the deployment to make again.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createWorkRepo, requireGit, requireSshd, startSshd } from '@trueup/testkit';
import { dispatch, finished, hubForRunners, startRunner, trueup } from './runner-testing.ts';

const execFileAsync = promisify(execFile);

test('a person rolls an environment back to the previous revision, and forward again with --to; each is a recorded deployment', async (t) => {
  if (!(await requireGit(t)) || !(await requireSshd(t))) return;
  const setup = await hubForRunners(t);
  const { dir, client, hubArgs } = setup;
  const sshd = await startSshd({ dir: join(dir, 'sshd') });
  t.after(() => sshd.close());
  const srv = await mkdtemp(join(tmpdir(), 'trueup-srv-'));
  t.after(() => rm(srv, { recursive: true, force: true }));
  const user = (await execFileAsync('id', ['-un'])).stdout.trim();
  const repo = await createWorkRepo(join(dir, 'repo'));
  const workflow = (version: string): Record<string, string> => ({
    '.trueup/workflows/ship.yml': `on: workflow_dispatch
jobs:
  build:
    runs-on: linux
    steps:
      - run: mkdir -p dist && echo "release ${version} $GITHUB_SHA" > dist/index.html
      - uses: actions/upload-artifact@v4
        with: { name: site, path: dist }
  unrelated:
    runs-on: linux
    steps:
      - run: echo unrelated
  deploy:
    needs: build
    runs-on: linux
    environment: web
    steps:
      - uses: actions/download-artifact@v4
        with: { name: site, path: dist }
      - uses: trueup/deploy
        with: { target: "ssh://${user}@127.0.0.1:${sshd.port}", files: dist, to: "${srv}", run: cp dist/index.html current.html }
`,
  });
  await repo.write(workflow('one'));
  const first = await repo.commit('one');
  for (const [name, value] of [['SSH_PRIVATE_KEY', await readFile(sshd.clientKeyFile, 'utf8')], ['SSH_KNOWN_HOSTS', await readFile(sshd.knownHostsFile, 'utf8')]] as const) {
    await client.post('/api/v1/secrets', { repository: repo.dir, environment: 'web', name, value });
  }
  await startRunner(t, dir, 'r1', 'linux');
  const live = (): Promise<string> => readFile(join(srv, 'current.html'), 'utf8');
  const runOne = await dispatch(setup, repo.dir, 'ship');
  assert.equal((await finished(client, runOne)).conclusion, 'success');
  await repo.write(workflow('two'));
  const second = await repo.commit('two');
  const runTwo = await dispatch(setup, repo.dir, 'ship');
  assert.equal((await finished(client, runTwo)).conclusion, 'success');
  assert.equal(await live(), `release two ${second}\n`);

  const back = await trueup(['rollback', 'web', '-o', 'json', ...hubArgs]);
  assert.equal(back.code, 0, back.stderr);
  const started = JSON.parse(back.stdout) as { run: string; from: string; to: string; of: string };
  assert.deepEqual({ ...started, run: undefined }, { run: undefined, from: second, to: first, of: runOne });
  const rolled = await finished(client, started.run);
  assert.deepEqual(rolled.jobs.map((j) => [j.key, j.conclusion]).sort(), [['build', 'success'], ['deploy', 'success'], ['unrelated', 'skipped']]);
  assert.match(rolled.jobs.find((j) => j.key === 'unrelated')?.note ?? '', /not part of the rollback of web/);
  assert.equal(rolled.sha, first);
  assert.equal(await live(), `release one ${first}\n`);

  const forward = await trueup(['rollback', 'web', '--to', runTwo, ...hubArgs]);
  assert.equal(forward.code, 0, forward.stderr);
  const forwardRun = /: run (\S+)$/m.exec(forward.stdout)?.[1] ?? '';
  assert.equal((await finished(client, forwardRun)).conclusion, 'success');
  assert.equal(await live(), `release two ${second}\n`);

  const listed = await trueup(['rollback', 'web', '--list', '-o', 'json', ...hubArgs]);
  assert.equal(listed.code, 0, listed.stderr);
  const deployments = JSON.parse(listed.stdout) as { revision: string; run: string; actor: string; rollback?: boolean; result: string }[];
  assert.deepEqual(deployments.map((d) => [d.revision, d.run, d.rollback ?? false, d.result]), [[second, forwardRun, true, 'succeeded'], [first, started.run, true, 'succeeded'], [second, runTwo, false, 'succeeded'], [first, runOne, false, 'succeeded']]);
  const requested = await client.get<{ items: { actor: string; details: { from: string; to: string; run: string } }[] }>('/api/v1/events?kind=rollback-requested&environment=web&order=asc');
  assert.deepEqual(requested.items.map((e) => [e.actor, e.details.from, e.details.to, e.details.run]), [['token:admin', second, first, started.run], ['token:admin', first, second, forwardRun]]);

  const nothing = await trueup(['rollback', 'nowhere', ...hubArgs]);
  assert.equal(nothing.code, 2);
  assert.match(nothing.stderr, /no successful deployment of nowhere is recorded/);
});
