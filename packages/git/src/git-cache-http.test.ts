import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { createServedRepo, createWorkRepo, requireGit, startGitHttpServer, tempDir } from '@trueup/testkit';
import { GitCache, type GitCommandEvent } from './index.ts';

const PASSWORD = 'pa55-Word:with/odd@chars';
const TOKEN = 'tok_7f3a9c0e5b1d2468ace';

async function served(t: TestContext, credentials: { username: string; password: string }) {
  if (!await requireGit(t)) return undefined;
  const root = await tempDir(t);
  await createServedRepo(join(root, 'served'), 'config.git');
  const work = await createWorkRepo(join(root, 'work'));
  await work.write({ 'app.yaml': 'kind: File\n' });
  const sha = await work.commit('first');
  await work.push(join(root, 'served', 'config.git'));
  const server = await startGitHttpServer({ root: join(root, 'served'), ...credentials });
  t.after(() => server.close());
  await writeFile(join(root, 'password'), `${PASSWORD}\n`);
  await writeFile(join(root, 'wrong-password'), 'not-the-password\n');
  await writeFile(join(root, 'token'), TOKEN);
  const commands: GitCommandEvent[] = [];
  const cache = new GitCache({ dir: join(root, 'cache'), onGitCommand: (event) => commands.push(event) });
  return { root, sha, server, cache, commands, url: server.url('config.git') };
}

test('HTTPS basic auth: the password from a file, sent in a header, never in argv or the URL', async (t) => {
  const f = await served(t, { username: 'alice', password: PASSWORD });
  if (f === undefined) return;
  const source = { repoURL: f.url, ref: 'main', credentials: { username: 'alice', passwordFile: 'password' } };
  const artifact = await f.cache.sync(source, { baseDir: f.root });
  assert.equal(artifact.revision, f.sha);
  assert.ok(f.server.requests.some((line) => /^POST \/config\.git\/git-upload-pack 200/.test(line)), f.server.requests.join('\n'));
  const argv = JSON.stringify(f.commands);
  assert.ok(!argv.includes(PASSWORD) && !argv.includes(Buffer.from(`alice:${PASSWORD}`).toString('base64')), argv);
  assert.ok(f.commands.some((c) => c.command === 'fetch'));
});

test('a password inside repoURL works and never reaches git argv: it goes in a header, as a passwordFile does', async (t) => {
  const f = await served(t, { username: 'alice', password: PASSWORD });
  if (f === undefined) return;
  // The argv git really gets (the hook's events are already cleaned): a git first on PATH writes it down.
  const log = join(f.root, 'argv.log');
  const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  await mkdir(join(f.root, 'bin'));
  await writeFile(join(f.root, 'bin', 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
  const path = process.env['PATH'];
  process.env['PATH'] = `${join(f.root, 'bin')}:${path ?? ''}`;
  t.after(() => void (process.env['PATH'] = path));
  const repoURL = f.url.replace('http://', `http://alice:${encodeURIComponent(PASSWORD)}@`);
  const artifact = await f.cache.sync({ repoURL, ref: 'main' });
  assert.equal(artifact.revision, f.sha);
  const argv = await readFile(log, 'utf8');
  assert.match(argv, /ls-remote/);
  assert.match(argv, /fetch/);
  for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), 'alice:', Buffer.from(`alice:${PASSWORD}`).toString('base64')]) {
    assert.ok(!argv.includes(secret), `${secret} in ${argv}`);
  }
  assert.ok(argv.includes(f.url), 'git is called with the URL less its credentials');
});

test('HTTPS token: sent as the password of user "git"', async (t) => {
  const f = await served(t, { username: 'git', password: TOKEN });
  if (f === undefined) return;
  const artifact = await f.cache.sync({ repoURL: f.url, ref: 'main', credentials: { tokenFile: join(f.root, 'token') } });
  assert.equal(artifact.revision, f.sha);
});

test('a wrong password is GIT_AUTH_FAILED, not retryable, and the secret is in no message', async (t) => {
  const f = await served(t, { username: 'alice', password: PASSWORD });
  if (f === undefined) return;
  for (const credentials of [{ username: 'alice', passwordFile: 'wrong-password' }, undefined]) {
    await assert.rejects(f.cache.resolve({ repoURL: f.url, ref: 'main', credentials }, { baseDir: f.root }), (error) => {
      assert.ok(isTrueupError(error, 'GIT_AUTH_FAILED'), String(error));
      assert.equal(error.retryable, false);
      assert.ok(error.message.includes(f.url), error.message);
      assert.match(error.message, /spec\.source\.credentials/);
      assert.ok(!error.message.includes('not-the-password'), error.message);
      assert.ok(!JSON.stringify(error.toJSON()).includes('not-the-password'));
      return true;
    });
  }
  // Credentials in the URL itself are stripped from messages too.
  const inUrl = f.url.replace('http://', `http://alice:${encodeURIComponent('hunter2-secret')}@`);
  await assert.rejects(f.cache.resolve({ repoURL: inUrl, ref: 'main' }), (error) => {
    assert.ok(isTrueupError(error, 'GIT_AUTH_FAILED'), String(error));
    assert.ok(!error.message.includes('hunter2'), error.message);
    assert.ok(error.message.includes(f.url), error.message);
    return true;
  });
});

test('a closed port is GIT_UNREACHABLE and retryable', async (t) => {
  if (!await requireGit(t)) return;
  const root = await tempDir(t);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const cache = new GitCache({ dir: join(root, 'cache') });
  await assert.rejects(cache.resolve({ repoURL: `http://127.0.0.1:${port}/config.git`, ref: 'main' }), (error) => {
    assert.ok(isTrueupError(error, 'GIT_UNREACHABLE'), String(error));
    assert.equal(error.retryable, true);
    assert.ok(error.message.includes(`http://127.0.0.1:${port}/config.git`), error.message);
    return true;
  });
});

test('an unknown ref over HTTP is GIT_REF_NOT_FOUND; a missing credentials file is GIT_CREDENTIALS_FILE', async (t) => {
  const f = await served(t, { username: 'alice', password: PASSWORD });
  if (f === undefined) return;
  const credentials = { username: 'alice', passwordFile: 'password' };
  await assert.rejects(f.cache.sync({ repoURL: f.url, ref: 'release-9', credentials }, { baseDir: f.root }), (error) => isTrueupError(error, 'GIT_REF_NOT_FOUND') && error.message.includes('release-9'));
  await assert.rejects(f.cache.sync({ repoURL: f.url, ref: 'main', credentials: { passwordFile: 'secrets/nope' } }, { baseDir: f.root }), (error) => {
    assert.ok(isTrueupError(error, 'GIT_CREDENTIALS_FILE'), String(error));
    assert.ok(error.message.includes(join(f.root, 'secrets/nope')), error.message);
    assert.equal(error.location.field, 'spec.source.credentials.passwordFile');
    return true;
  });
});

test('a git command that outlives its timeout is killed: GIT_TIMEOUT', async (t) => {
  if (!await requireGit(t)) return;
  const root = await tempDir(t);
  // A fake server that accepts connections and never answers: the fault a real one can't produce on demand.
  const silent = createServer((socket) => socket.resume());
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { silent.close(() => resolve()); }));
  const { port } = silent.address() as AddressInfo;
  const cache = new GitCache({ dir: join(root, 'cache'), timeoutMs: 500 });
  const started = Date.now();
  await assert.rejects(cache.resolve({ repoURL: `http://127.0.0.1:${port}/x.git`, ref: 'main' }), (error) => {
    assert.ok(isTrueupError(error, 'GIT_TIMEOUT'), String(error));
    assert.equal(error.retryable, true);
    assert.ok(error.message.includes(`http://127.0.0.1:${port}/x.git`), error.message);
    return true;
  });
  assert.ok(Date.now() - started < 10_000);
});
