import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createServedRepo, createWorkRepo, requireGit, runTestGit, tempDir } from './git-repo.ts';
import { startGitHttpServer } from './git-server.ts';

test('git http-backend serves clone and push behind HTTP Basic auth', async (t) => {
  if (!await requireGit(t)) return;
  const root = await tempDir(t);
  const served = join(root, 'served');
  await createServedRepo(served, 'config.git');
  const work = await createWorkRepo(join(root, 'work'));
  await work.write({ 'app.yaml': 'kind: x\n' });
  const sha = await work.commit('one');

  const server = await startGitHttpServer({ root: served, username: 'alice', password: 'open-sesame' });
  t.after(() => server.close());
  const url = new URL(server.url('config.git'));
  assert.equal(url.hostname, '127.0.0.1');

  const withAuth = `http://alice:open-sesame@127.0.0.1:${server.port}/config.git`;
  await work.push(withAuth);
  const listed = await runTestGit(root, ['ls-remote', withAuth, 'refs/heads/main']);
  assert.equal(listed, `${sha}\trefs/heads/main`);
  await runTestGit(root, ['clone', '--quiet', withAuth, join(root, 'clone')]);
  assert.equal(await runTestGit(join(root, 'clone'), ['rev-parse', 'HEAD']), sha);

  await assert.rejects(runTestGit(root, ['ls-remote', `http://alice:wrong@127.0.0.1:${server.port}/config.git`]), /Authentication failed|401/);
  const anonymous = await fetch(`${server.url('config.git')}/info/refs?service=git-upload-pack`);
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic /);
  assert.ok(server.requests.some((line) => line.startsWith('POST /config.git/git-receive-pack 200')), server.requests.join('\n'));
});
