import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { createWorkRepo, requireGit, runTestGit, tempDir } from '@trueup/testkit';
import { BranchWriter, WriterRegistry, writerId } from './branch-writer.ts';
import { setInRepo } from './set-in-repo.ts';
import { configRepo } from './testing.ts';
import { parseTrailers } from './trailers.ts';

const KEYS = Array.from({ length: 20 }, (_, index) => `k${index}`);
const VALUES = `# one key per caller\n${KEYS.map((key) => `${key}: "0"\n`).join('')}other: "0"\n`;
const TRIALS = Number(process.env['GITOPS_QUEUE_TRIALS'] ?? 12);

test(`branch writer: 20 concurrent edits become at most 2 commits, none fails (${TRIALS} trials, some racing another writer)`, async (t) => {
  if (!await requireGit(t)) return;
  const repo = await configRepo(t, { 'values.yaml': VALUES });
  const writer = new BranchWriter({ target: { repoURL: repo.url, ref: 'main' }, dir: join(await tempDir(t), 'work'), windowMs: 150 });
  t.after(() => writer.close());
  for (let trial = 1; trial <= TRIALS; trial += 1) {
    const before = await runTestGit(repo.bare, ['rev-parse', 'main']);
    // Every third trial another process writes the same branch meanwhile: the queue must re-apply and retry.
    const rival = trial % 3 === 0 ? setInRepo({ repoURL: repo.url, ref: 'main' }, [{ file: 'values.yaml', key: 'other', value: `r${trial}` }], { origin: { source: 'rival' } }) : undefined;
    const results = await Promise.allSettled(KEYS.map((key) => writer.submit({ edits: [{ file: 'values.yaml', key, value: `t${trial}-${key}` }], origin: { source: 'queue', run: `${trial}-${key}` } })));
    await rival;
    assert.deepEqual(results.filter((result) => result.status === 'rejected'), [], `trial ${trial}`);
    const messages = (await runTestGit(repo.bare, ['log', '--format=%B%x00', `${before}..main`])).split('\0').map((m) => m.trim()).filter((m) => m !== '');
    const queueCommits = messages.filter((message) => parseTrailers(message).get('Trueup-Source')?.includes('queue') === true);
    assert.ok(queueCommits.length >= 1 && queueCommits.length <= 2, `trial ${trial}: ${queueCommits.length} commits`);
    const runs = queueCommits.flatMap((message) => parseTrailers(message).get('Trueup-Run') ?? []);
    assert.equal(runs.length, 20, `every caller's run is named once: ${runs.join(' ')}`);
    const text = await repo.show('values.yaml');
    for (const key of KEYS) assert.ok(text.includes(`${key}: "t${trial}-${key}"\n`), `trial ${trial}: ${key} in\n${text}`);
    if (rival !== undefined) assert.ok(text.includes(`other: "r${trial}"\n`));
  }
});

test('branch writer: a caller with a bad key gets its error; the others commit together', async (t) => {
  if (!await requireGit(t)) return;
  const repo = await configRepo(t, { 'values.yaml': VALUES });
  const writer = new BranchWriter({ target: { repoURL: repo.url, ref: 'main' }, dir: join(await tempDir(t), 'work'), windowMs: 100 });
  t.after(() => writer.close());
  const good = [writer.submit({ edits: [{ file: 'values.yaml', key: 'k1', value: 'a' }], origin: { source: 'x' } }), writer.submit({ edits: [{ file: 'values.yaml', key: 'k2', value: 'b' }, { file: 'values.yaml', key: 'k3', value: 'c' }], origin: { source: 'y' } })];
  // All or nothing per caller: k4 is valid but its caller's other edit is not.
  const bad = writer.submit({ edits: [{ file: 'values.yaml', key: 'k4', value: 'z' }, { file: 'values.yaml', key: 'nope.deeper', value: 'z' }], origin: { source: 'z' } });
  const [one, two] = await Promise.all(good);
  await assert.rejects(bad, (error: unknown) => isTrueupError(error, 'GITOPS_KEY_NOT_FOUND'));
  assert.equal(one?.outcome, 'committed');
  assert.deepEqual(two?.outcome === 'committed' ? [two.revision === (one?.outcome === 'committed' ? one.revision : ''), two.batchSize, two.changes.map((c) => c.key)] : [], [true, 2, ['k2', 'k3']]);
  const text = await repo.show('values.yaml');
  assert.ok(text.includes('k1: "a"\nk2: "b"\nk3: "c"\nk4: "0"\n'), text);
  assert.equal((await repo.log()).length, 2);
  const again = await writer.submit({ edits: [{ file: 'values.yaml', key: 'k1', value: 'a' }], origin: { source: 'x' } });
  assert.equal(again.outcome, 'unchanged');
  assert.equal((await repo.log()).length, 2, 'no empty commit');
});

test('branch writer: a force-push to the branch while edits wait is the base they are applied on', async (t) => {
  if (!await requireGit(t)) return;
  const repo = await configRepo(t, { 'values.yaml': VALUES });
  const writer = new BranchWriter({ target: { repoURL: repo.url, ref: 'main' }, dir: join(await tempDir(t), 'work'), windowMs: 300 });
  t.after(() => writer.close());
  // A first batch makes the writer's working copy hold the old history.
  await writer.submit({ edits: [{ file: 'values.yaml', key: 'k0', value: 'first' }], origin: { source: 'x' } });
  const waiting = writer.submit({ edits: [{ file: 'values.yaml', key: 'k1', value: 'after-force' }], origin: { source: 'x' } });
  const other = await createWorkRepo(join(await tempDir(t), 'rewrite'));
  await other.write({ 'values.yaml': VALUES.replace('k5: "0"', 'k5: "rewritten"') });
  await other.commit('rewritten history');
  await other.git('push', '--quiet', '--force', repo.bare, 'main:main');
  const result = await waiting;
  assert.equal(result.outcome, 'committed');
  const text = await repo.show('values.yaml');
  assert.ok(text.includes('k0: "0"\nk1: "after-force"\n') && text.includes('k5: "rewritten"'), text);
  assert.equal((await repo.log()).length, 2);
});

test('branch writer: a working copy that cannot be opened fails that batch only; the next one opens it again', async (t) => {
  if (!await requireGit(t)) return;
  const repo = await configRepo(t, { 'values.yaml': VALUES }, { username: 'ci', password: 'pw' });
  const dir = await tempDir(t);
  const passwordFile = join(dir, 'password');
  const writer = new BranchWriter({ target: { repoURL: repo.url, ref: 'main', credentials: { username: 'ci', passwordFile } }, dir: join(dir, 'work'), windowMs: 10 });
  t.after(() => writer.close());
  const edit = { edits: [{ file: 'values.yaml', key: 'k1', value: 'x' }], origin: { source: 's' } };
  await assert.rejects(writer.submit(edit), (error: unknown) => isTrueupError(error, 'GIT_CREDENTIALS_FILE'));
  await writeFile(passwordFile, 'pw\n');
  assert.equal((await writer.submit(edit)).outcome, 'committed');
});

test('writer registry: one writer per repository branch, whatever credentials the URL carries', () => {
  const made: string[] = [];
  const registry = new WriterRegistry((target, id) => {
    made.push(id);
    return new BranchWriter({ target, dir: '/nonexistent', windowMs: 10 });
  });
  const a = registry.writer({ repoURL: 'https://git.example.com/ops/config.git', ref: 'main' });
  const b = registry.writer({ repoURL: 'https://ci:secret@git.example.com/ops/config', ref: 'main' });
  const c = registry.writer({ repoURL: 'https://git.example.com/ops/config.git', ref: 'prod' });
  assert.equal(a, b);
  assert.notEqual(a, c);
  assert.deepEqual(made, ['https://git.example.com/ops/config#main', 'https://git.example.com/ops/config#prod']);
  assert.equal(writerId({ repoURL: 'ssh://git@host/x.git/', ref: 'main' }), 'ssh://host/x#main');
});
