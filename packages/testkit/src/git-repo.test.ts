import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createServedRepo, createWorkRepo, requireGit, runTestGit, tempDir } from './git-repo.ts';

test('a work repository commits, tags and pushes to a served bare repository', async (t) => {
  if (!await requireGit(t)) return;
  const root = await tempDir(t);
  const work = await createWorkRepo(join(root, 'work'));
  await work.write({ 'a/b.txt': 'one\n' });
  const first = await work.commit('one');
  assert.match(first, /^[0-9a-f]{40}$/);
  await work.write({ 'a/b.txt': null, 'c.txt': 'two\n' });
  const second = await work.commit('two');
  assert.notEqual(second, first);
  assert.equal(await work.tag('v1', { message: 'release', rev: first }), first);
  assert.equal(await work.tag('light'), second);

  const served = await createServedRepo(join(root, 'served'), 'config.git');
  await work.push(served);
  const refs = await runTestGit(served, ['show-ref']);
  assert.match(refs, new RegExp(`^${second} refs/heads/main$`, 'm'));
  assert.match(refs, /refs\/tags\/v1$/m);
  assert.equal(await runTestGit(served, ['rev-parse', 'v1^{commit}']), first);
  assert.equal(await runTestGit(served, ['cat-file', '-t', 'v1']), 'tag');
  assert.equal(await runTestGit(served, ['config', 'uploadpack.allowAnySHA1InWant']), 'true');
  assert.equal(await runTestGit(served, ['ls-tree', '--name-only', 'main']), 'c.txt');
  assert.equal(await readFile(join(work.dir, 'c.txt'), 'utf8'), 'two\n');
});
