/**
 * A private pipeline repository over HTTPS-style Basic auth (a real `git http-backend`):
 * `trueup hub repos add URL --credentials FILE` seals the password (it is not in the database
 * file, not in the API, not in the job log); the hub's dispatch and push scan fetch with it,
 * and a runner checks the repository out with it. Without credentials the hub cannot add it.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createServedRepo, createWorkRepo, requireGit, startGitHttpServer } from '@trueup/testkit';
import { eventually, finished, hubForRunners, startRunner, trueup } from './runner-testing.ts';

const PASSWORD = 's3cr3t-Pa55-for-ci';

test('a private repository: credentials sealed and never shown; the hub fetches and runners check out with them', async (t) => {
  if (!(await requireGit(t))) return;
  const setup = await hubForRunners(t);
  const { dir, client, hub, hubArgs } = setup;
  const root = join(dir, 'served');
  await createServedRepo(root, 'app.git');
  const server = await startGitHttpServer({ root, username: 'ci', password: PASSWORD });
  t.after(() => server.close());
  const url = server.url('app.git');
  const authed = url.replace('http://', `http://ci:${PASSWORD}@`);
  const repo = await createWorkRepo(join(dir, 'work'));
  await repo.write({
    '.trueup/workflows/ci.yml': `on:
  push: { branches: [main] }
  workflow_dispatch:
jobs:
  build:
    runs-on: linux
    steps:
      - uses: actions/checkout@v4
      - run: cat message.txt
`,
    'message.txt': 'hello from a private repository\n',
  });
  await repo.commit('private');
  await repo.push(authed);

  const refused = await trueup(['hub', 'repos', 'add', url, ...hubArgs]);
  assert.notEqual(refused.code, 0, 'without credentials the hub cannot fetch it');
  const credentials = join(dir, 'credentials.yaml');
  await writeFile(join(dir, 'token'), `${PASSWORD}\n`, { mode: 0o600 });
  await writeFile(credentials, 'username: ci\ntokenFile: token\n', { mode: 0o600 });
  const added = await trueup(['hub', 'repos', 'add', url, '--credentials', credentials, ...hubArgs]);
  assert.equal(added.code, 0, added.stderr);
  const listed = await trueup(['hub', 'repos', 'list', '-o', 'json', ...hubArgs]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual((JSON.parse(listed.stdout) as { url: string; credentials: boolean }[]).map((r) => [r.url, r.credentials]), [[url, true]]);
  assert.doesNotMatch(listed.stdout, new RegExp(PASSWORD));

  await startRunner(t, dir, 'r1', 'linux');
  const dispatched = await trueup(['runs', 'dispatch', url, '--workflow', 'ci', '--ref', 'main', '-o', 'json', ...hubArgs]);
  assert.equal(dispatched.code, 0, dispatched.stderr);
  const runId = (JSON.parse(dispatched.stdout) as { id: string }).id;
  const done = await finished(client, runId);
  const log = await client.get<string>(`/api/v1/runs/${runId}/jobs/build/log`);
  assert.equal(done.conclusion, 'success', log);
  assert.match(log, /hello from a private repository/);
  assert.doesNotMatch(log, new RegExp(PASSWORD));

  // A push: the hub's scan fetches with the sealed credentials and starts a run.
  await repo.write({ 'message.txt': 'second\n' });
  const second = await repo.commit('second');
  await repo.push(authed);
  await hub.triggers.scanAll();
  const pushed = await eventually('a run of the push', async () => (await client.get<{ items: { id: string; sha: string; event: string }[] }>('/api/v1/runs')).items.find((r) => r.sha === second && r.event === 'push'));
  assert.equal((await finished(client, pushed.id)).conclusion, 'success');

  // At rest only the sealed form: the database file does not hold the password.
  const database = await readFile(join(dir, 'hub', 'hub.db')).catch(() => Buffer.alloc(0));
  const wal = await readFile(join(dir, 'hub', 'hub.db-wal')).catch(() => Buffer.alloc(0));
  assert.ok(database.length + wal.length > 0);
  assert.equal(Buffer.concat([database, wal]).includes(PASSWORD), false);
});
