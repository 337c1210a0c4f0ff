import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, readdir, readFile, readlink, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { createServedRepo, createWorkRepo, requireGit, runTestGit, tempDir, type WorkRepo } from '@trueup/testkit';
import { GitCache, sourceDir, type GitCommandEvent } from './index.ts';

interface Fixture {
  root: string;
  work: WorkRepo;
  served: string;
  url: string;
  cache: GitCache;
  commands: GitCommandEvent[];
  first: string;
}

async function fixture(t: TestContext, options: { keepCheckouts?: number } = {}): Promise<Fixture | undefined> {
  if (!await requireGit(t)) return undefined;
  const root = await tempDir(t);
  const work = await createWorkRepo(join(root, 'work'));
  await work.write({ 'hosts/web/motd.yaml': 'kind: File\n', 'README.md': 'v1\n', 'bin/run.sh': '#!/bin/sh\n' });
  await chmod(join(work.dir, 'bin/run.sh'), 0o755);
  const first = await work.commit('first');
  const served = await createServedRepo(join(root, 'served'), 'config.git');
  await work.push(served);
  const commands: GitCommandEvent[] = [];
  const cache = new GitCache({ dir: join(root, 'state', 'git'), onGitCommand: (event) => commands.push(event), ...options });
  return { root, work, served, url: `file://${served}`, cache, commands, first };
}

test('resolve gives the commit of a branch, an annotated tag and a full SHA (without network)', async (t) => {
  const f = await fixture(t);
  if (f === undefined) return;
  const second = await f.work.commit('second');
  await f.work.tag('v1.0.0', { message: 'release', rev: f.first });
  await f.work.tag('light', { rev: f.first });
  await f.work.push(f.served);
  assert.equal(await f.cache.resolve({ repoURL: f.url, ref: 'main' }), second);
  assert.equal(await f.cache.resolve({ repoURL: f.url, ref: 'v1.0.0' }), f.first, 'annotated tag peeled to its commit');
  assert.equal(await f.cache.resolve({ repoURL: f.url, ref: 'light' }), f.first);
  assert.equal(await f.cache.resolve({ repoURL: f.url, ref: 'refs/heads/main' }), second);
  const before = f.commands.length;
  assert.equal(await f.cache.resolve({ repoURL: f.url, ref: f.first.toUpperCase() }), f.first);
  assert.equal(f.commands.length, before, 'a full SHA needs no git command');
});

test('sync checks the tree out, and a second sync of the same revision only lists refs', async (t) => {
  const f = await fixture(t);
  if (f === undefined) return;
  const source = { repoURL: f.url, ref: 'main', path: 'hosts/web' };
  const artifact = await f.cache.sync(source);
  assert.equal(artifact.revision, f.first);
  assert.equal(artifact.digest, await runTestGit(f.served, ['rev-parse', `${f.first}^{tree}`]));
  assert.equal(artifact.dir, join(f.cache.repoDir(f.url), 'checkouts', f.first));
  assert.equal(await readFile(join(sourceDir(artifact, source), 'motd.yaml'), 'utf8'), 'kind: File\n');
  assert.equal((await stat(join(artifact.dir, 'bin/run.sh'))).mode & 0o111, 0o111, 'executable bit kept');
  assert.deepEqual(f.cache.stats, { lsRemote: 1, fetch: 1, checkout: 1 });

  f.commands.length = 0;
  const again = await f.cache.sync(source, { lastRevision: artifact.revision });
  assert.deepEqual(again, artifact);
  assert.deepEqual(f.cache.stats, { lsRemote: 2, fetch: 1, checkout: 1 });
  assert.deepEqual(f.commands.map((c) => c.command), ['ls-remote']);

  // Without lastRevision, the known checkout is reused as well: nothing fetched, nothing written.
  assert.deepEqual(await f.cache.sync(source), artifact);
  assert.deepEqual(f.cache.stats, { lsRemote: 3, fetch: 1, checkout: 1 });
});

test('a new commit is picked up, fetched shallow (depth 1) into the cache', async (t) => {
  const f = await fixture(t);
  if (f === undefined) return;
  const source = { repoURL: f.url, ref: 'main' };
  const one = await f.cache.sync(source);
  await f.work.write({ 'README.md': 'v2\n', 'hosts/web/new.yaml': 'kind: Directory\n' });
  const second = await f.work.commit('second');
  await f.work.push(f.served);
  const two = await f.cache.sync(source, { lastRevision: one.revision });
  assert.equal(two.revision, second);
  assert.notEqual(two.digest, one.digest);
  assert.equal(await readFile(join(two.dir, 'README.md'), 'utf8'), 'v2\n');
  assert.equal(await readFile(join(one.dir, 'README.md'), 'utf8'), 'v1\n', 'the previous checkout is untouched');
  const gitDir = join(f.cache.repoDir(f.url), 'repo.git');
  assert.equal(await runTestGit(gitDir, ['rev-list', '--count', second]), '1', 'history is not fetched');
  assert.ok(existsSync(join(gitDir, 'shallow')));
  assert.deepEqual(f.cache.stats, { lsRemote: 2, fetch: 2, checkout: 2 });
});

test('a commit with the same content has the same digest', async (t) => {
  const f = await fixture(t);
  if (f === undefined) return;
  const second = await f.work.commit('empty commit');
  await f.work.push(f.served);
  const one = await f.cache.checkout({ repoURL: f.url, ref: 'main' }, f.first);
  const two = await f.cache.checkout({ repoURL: f.url, ref: 'main' }, second);
  assert.notEqual(one.revision, two.revision);
  assert.equal(one.digest, two.digest);
});

test('two applications on the same URL share one cache repository and its checkouts', async (t) => {
  const f = await fixture(t);
  if (f === undefined) return;
  await f.work.tag('stable', { message: 'stable' });
  await f.work.push(f.served);
  const [web, db] = await Promise.all([
    f.cache.sync({ repoURL: f.url, ref: 'main', path: 'hosts/web' }),
    f.cache.sync({ repoURL: `${f.url}/`, ref: 'stable' }),
  ]);
  assert.equal(web.dir, db.dir);
  assert.equal(f.cache.stats.fetch, 1, 'the second caller found the commit fetched by the first');
  assert.deepEqual(await readdir(f.cache.dir), [f.cache.repoDir(f.url).split('/').pop()]);
  const other = new GitCache({ dir: f.cache.dir });
  const reused = await other.sync({ repoURL: f.url, ref: 'main' });
  assert.deepEqual(reused, web);
  assert.deepEqual(other.stats, { lsRemote: 1, fetch: 0, checkout: 0 }, 'a new process reuses the cache on disk');
});

test('only the last few checkouts are kept, and the latest of every ref in use', async (t) => {
  const f = await fixture(t, { keepCheckouts: 2 });
  if (f === undefined) return;
  const pinned = await f.cache.sync({ repoURL: f.url, ref: f.first });
  const revisions: string[] = [];
  for (let i = 0; i < 4; i += 1) {
    await f.work.write({ 'README.md': `change ${i}\n` });
    await f.work.commit(`change ${i}`);
    await f.work.push(f.served);
    revisions.push((await f.cache.sync({ repoURL: f.url, ref: 'main' })).revision);
  }
  const kept = (await readdir(join(f.cache.repoDir(f.url), 'checkouts'))).sort();
  assert.deepEqual(kept, [pinned.revision, revisions[2], revisions[3]].sort());
  const refs = await runTestGit(join(f.cache.repoDir(f.url), 'repo.git'), ['for-each-ref', '--format=%(refname)']);
  assert.deepEqual(refs.split('\n').sort(), kept.map((sha) => `refs/trueup/${sha}`).sort());
});

test('symlinks and nested folders are written as committed', async (t) => {
  const f = await fixture(t);
  if (f === undefined) return;
  await symlink('hosts/web/motd.yaml', join(f.work.dir, 'link.yaml'));
  const sha = await f.work.commit('link');
  await f.work.push(f.served);
  const artifact = await f.cache.checkout({ repoURL: f.url, ref: 'main' }, sha);
  assert.equal(await readlink(join(artifact.dir, 'link.yaml')), 'hosts/web/motd.yaml');
  assert.equal(await readFile(join(artifact.dir, 'link.yaml'), 'utf8'), 'kind: File\n');
});

test('unknown ref, missing path and missing repository have their own codes', async (t) => {
  const f = await fixture(t);
  if (f === undefined) return;
  await assert.rejects(f.cache.sync({ repoURL: f.url, ref: 'no-such-branch' }), (error) => {
    assert.ok(isTrueupError(error, 'GIT_REF_NOT_FOUND'), String(error));
    assert.equal(error.retryable, false);
    assert.match(error.message, /no-such-branch/);
    assert.ok(error.message.includes(f.url), error.message);
    return true;
  });
  await assert.rejects(f.cache.sync({ repoURL: f.url, ref: 'main', path: 'hosts/db' }), (error) => isTrueupError(error, 'GIT_PATH_NOT_FOUND') && error.message.includes('hosts/db'));
  await assert.rejects(f.cache.sync({ repoURL: f.url, ref: 'main', path: 'README.md' }), (error) => isTrueupError(error, 'GIT_PATH_NOT_FOUND') && /not a folder/.test(error.message));
  await assert.rejects(f.cache.sync({ repoURL: f.url, ref: 'main', path: '../outside' }), (error) => isTrueupError(error, 'GIT_PATH_NOT_FOUND'));
  await assert.rejects(f.cache.sync({ repoURL: f.url, ref: '--upload-pack=touch' }), (error) => isTrueupError(error, 'GIT_REF_NOT_FOUND'));
  await assert.rejects(f.cache.sync({ repoURL: `file://${f.root}/missing.git`, ref: 'main' }), (error) => isTrueupError(error, 'GIT_REPO_NOT_FOUND'));
  await assert.rejects(f.cache.sync({ repoURL: 'ftp://example.com/x.git', ref: 'main' }), (error) => isTrueupError(error, 'GIT_URL_INVALID'));
  const unknownSha = 'f'.repeat(40);
  await assert.rejects(f.cache.sync({ repoURL: f.url, ref: unknownSha }), (error) => isTrueupError(error, 'GIT_REF_NOT_FOUND') && error.message.includes(unknownSha));
});

test('when the server refuses to fetch by SHA, the ref is fetched instead', async (t) => {
  const f = await fixture(t);
  if (f === undefined) return;
  const gitDir = join(f.cache.repoDir(f.url), 'repo.git');
  await f.cache.resolve({ repoURL: f.url, ref: 'main' });
  // Protocol v0 and no allow*SHA1InWant on the server: fetching an unadvertised object is refused.
  await runTestGit(f.served, ['config', 'uploadpack.allowAnySHA1InWant', 'false']);
  await runTestGit(gitDir, ['config', 'protocol.version', '0']);
  await f.work.write({ 'README.md': 'v2\n' });
  const second = await f.work.commit('second');
  await f.work.tag('v2', { message: 'v2' });
  await f.work.commit('third: the tagged commit is no branch tip, so it is not advertised');
  await f.work.push(f.served);
  const artifact = await f.cache.sync({ repoURL: f.url, ref: 'v2' });
  assert.equal(artifact.revision, second);
  assert.equal(await readFile(join(artifact.dir, 'README.md'), 'utf8'), 'v2\n');
  const fetches = f.commands.filter((c) => c.command === 'fetch').map((c) => c.args.at(-1));
  assert.deepEqual(fetches, [`+${second}:refs/trueup/${second}`, `+refs/tags/v2:refs/trueup/${second}`]);
  await assert.rejects(f.cache.checkout({ repoURL: f.url, ref: f.first }, f.first), (error) => isTrueupError(error, 'GIT_REF_NOT_FOUND'));
});

test('applications asking at once share one ls-remote per round; each gets its own ref', async (t) => {
  const f = await fixture(t);
  if (f === undefined) return;
  await f.work.tag('v1', { message: 'release' });
  const second = await f.work.commit('second');
  await f.work.push(f.served);
  await f.cache.resolve({ repoURL: f.url, ref: 'main' }); // the cache repository exists: only listings remain
  const before = f.cache.stats.lsRemote;
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => f.cache.resolve({ repoURL: f.url, ref: i % 2 === 0 ? 'main' : 'v1' })));
  assert.deepEqual(new Set(answers.filter((_, i) => i % 2 === 0)), new Set([second]));
  assert.deepEqual(new Set(answers.filter((_, i) => i % 2 === 1)), new Set([f.first]));
  const listings = f.cache.stats.lsRemote - before;
  assert.ok(listings <= 2, `20 callers at once: ${listings} ls-remote processes (one running, one for those who came during it)`);
  const unknown = await f.cache.resolve({ repoURL: f.url, ref: 'nope' }).catch((error: unknown) => error);
  assert.ok(isTrueupError(unknown, 'GIT_REF_NOT_FOUND'), String(unknown));
});

test('a caller accepting an older answer takes a recent listing; any other caller sees a push at once', async (t) => {
  const f = await fixture(t);
  if (f === undefined) return;
  const source = { repoURL: f.url, ref: 'main' };
  assert.equal(await f.cache.resolve(source), f.first);
  const listed = f.cache.stats.lsRemote;
  const second = await f.work.commit('second');
  await f.work.push(f.served);
  assert.equal(await f.cache.resolve(source, { maxAgeMs: 60_000 }), f.first, 'the listing of a moment ago answers');
  assert.equal(f.cache.stats.lsRemote, listed, 'without a process');
  assert.equal(await f.cache.resolve({ repoURL: f.url, ref: 'other' }, { maxAgeMs: 60_000 }).catch((error: unknown) => isTrueupError(error, 'GIT_REF_NOT_FOUND')), true, 'a ref the listing did not cover is listed');
  assert.equal(await f.cache.resolve(source, { maxAgeMs: 60_000 }), f.first, 'the answer for main outlives a listing of another ref');
  assert.equal(await f.cache.resolve(source), second, 'without maxAgeMs the push is seen');
  assert.equal(await f.cache.resolve(source, { maxAgeMs: 0 }), second);
});

test('another folder of a commit already written is found on disk, without a git process; what is not a folder there still fails', async (t) => {
  const f = await fixture(t);
  if (f === undefined) return;
  await f.work.write({ 'hosts/db/motd.yaml': 'kind: File\n' });
  await symlink('hosts/web', join(f.work.dir, 'web-link'));
  const sha = await f.work.commit('db');
  await f.work.push(f.served);
  const web = await f.cache.sync({ repoURL: f.url, ref: 'main', path: 'hosts/web' });
  const before = f.commands.filter((c) => c.command !== 'ls-remote').length;
  const db = await f.cache.checkout({ repoURL: f.url, ref: 'main', path: 'hosts/db' }, sha);
  assert.equal(db.dir, web.dir);
  assert.equal(f.commands.filter((c) => c.command !== 'ls-remote').length, before, 'no git process for a second path');
  await assert.rejects(f.cache.checkout({ repoURL: f.url, ref: 'main', path: 'hosts/mail' }, sha), (error) => isTrueupError(error, 'GIT_PATH_NOT_FOUND'));
  await assert.rejects(f.cache.checkout({ repoURL: f.url, ref: 'main', path: 'web-link' }, sha), (error) => isTrueupError(error, 'GIT_PATH_NOT_FOUND') && /not a folder/.test(error.message));
  await assert.rejects(f.cache.checkout({ repoURL: f.url, ref: 'main', path: 'web-link/motd.yaml' }, sha), (error) => isTrueupError(error, 'GIT_PATH_NOT_FOUND'));
});

test('a stale lock file left in the cache by a killed git is removed; a fresh one, or a damaged file, makes a new cache', async (t) => {
  const f = await fixture(t);
  if (f === undefined) return;
  const source = { repoURL: f.url, ref: 'main' };
  const one = await f.cache.sync(source);
  const gitDir = join(f.cache.repoDir(f.url), 'repo.git');
  const keepOne = `refs/trueup/${one.revision}`;

  // Older than the git timeout: no command of ours holds it any more.
  await writeFile(join(gitDir, 'shallow.lock'), '');
  const hourAgo = new Date(Date.now() - 3_600_000);
  await utimes(join(gitDir, 'shallow.lock'), hourAgo, hourAgo);
  await f.work.write({ 'README.md': 'v2\n' });
  const second = await f.work.commit('second');
  await f.work.push(f.served);
  assert.equal((await f.cache.sync(source, { lastRevision: one.revision })).revision, second);
  assert.equal(existsSync(join(gitDir, 'shallow.lock')), false);
  assert.match(await runTestGit(gitDir, ['rev-parse', keepOne]), /^[0-9a-f]{40}$/, 'the same cache, not a new one');

  // A fresh lock (an orphaned git may still run): the cache is cloned again.
  await writeFile(join(gitDir, 'shallow.lock'), '');
  await f.work.write({ 'README.md': 'v3\n' });
  const third = await f.work.commit('third');
  await f.work.push(f.served);
  const three = await f.cache.sync(source, { lastRevision: second });
  assert.equal(three.revision, third);
  assert.equal(await readFile(join(three.dir, 'README.md'), 'utf8'), 'v3\n');
  assert.equal(existsSync(join(gitDir, 'shallow.lock')), false);

  // A file of the cache cut short (power loss): git fails on it every time; a new cache does not.
  await writeFile(join(gitDir, 'shallow'), 'xx\n');
  await f.work.write({ 'README.md': 'v4\n' });
  const fourth = await f.work.commit('fourth');
  await f.work.push(f.served);
  assert.equal((await f.cache.sync(source, { lastRevision: third })).revision, fourth);
});
