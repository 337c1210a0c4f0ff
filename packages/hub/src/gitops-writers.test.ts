/** The hub's writers are released, working copy and all: one branch by hand (an adoption ended), or every writer idle long enough. */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { agentFixture } from '@trueup/testkit';
import { HubGitops } from './gitops-writers.ts';

test('writers released by branch and when idle: the count returns to zero and their working copies are removed', async (t) => {
  const fixture = await agentFixture({ files: { 'app/a.yaml': 'level: 1\n' } });
  t.after(() => fixture.cleanup());
  const dir = await mkdtemp(join(tmpdir(), 'trueup-writers-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const gitops = new HubGitops({ dir, windowMs: 0, idleMs: 3_600_000 });
  t.after(() => gitops.close());
  const write = (ref: string, level: string) => gitops.writers.writer({ repoURL: fixture.repoURL, ref, base: 'main' }).submit({ edits: [{ file: 'app/a.yaml', key: 'level', value: level }], origin: { source: 'test' } });
  const copies = async (): Promise<string[]> => (await readdir(dir)).filter((name) => !name.startsWith('probe-'));

  assert.equal((await write('fix/a', '2')).outcome, 'committed');
  assert.equal((await write('fix/b', '3')).outcome, 'committed');
  assert.equal(gitops.writers.size, 2);
  assert.equal((await copies()).length, 2);

  await gitops.release(fixture.repoURL, 'fix/a');
  assert.equal(gitops.writers.size, 1);
  assert.equal((await copies()).length, 1);
  await gitops.release(fixture.repoURL, 'fix/a');
  assert.equal(gitops.writers.size, 1, 'releasing a branch with no writer changes nothing');

  assert.equal(await gitops.releaseIdle(3_600_000), 0, 'not idle that long');
  assert.equal(gitops.writers.size, 1);
  assert.equal(await gitops.releaseIdle(0), 1);
  assert.equal(gitops.writers.size, 0);
  assert.deepEqual(await copies(), []);

  // The next write opens a new writer on the branch as it is in the repository.
  const again = await write('fix/b', '4');
  assert.equal(again.outcome, 'committed');
  assert.equal(gitops.writers.size, 1);
});
