import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { requireGit, runTestGit } from '@trueup/testkit';
import { isTrueupCommit, parseTrailers } from './trailers.ts';
import { setInRepo } from './set-in-repo.ts';
import { configRepo } from './testing.ts';

const VALUES = '# Values of the shop chart.\nimage:\n  repository: shop/web\n  tag: "1.4.2"   # set by CI\n\nreplicaCount: 2\n';
const digest = `sha256:${'d'.repeat(64)}`;

test('gitops set: one commit with exactly the changed line and the trailers', async (t) => {
  if (!await requireGit(t)) return;
  const repo = await configRepo(t, { 'values.yaml': VALUES });
  const result = await setInRepo({ repoURL: repo.url, ref: 'main' }, [{ file: 'values.yaml', key: 'image.tag', value: `1.5.0@${digest}` }], { origin: { source: 'gitops-set', run: 'run-7' } });
  assert.equal(result.outcome, 'committed');
  assert.equal(await repo.show('values.yaml'), VALUES.replace('"1.4.2"', `"1.5.0@${digest}"`));
  assert.equal(await runTestGit(repo.bare, ['show', '--format=', '--numstat', 'main']), '1\t1\tvalues.yaml');
  const [message = ''] = await repo.log();
  assert.ok(isTrueupCommit(message));
  assert.deepEqual([...parseTrailers(message)], [['Trueup-Automated', ['true']], ['Trueup-Source', ['gitops-set']], ['Trueup-Run', ['run-7']], ['Trueup-Digest', [digest]]]);
  assert.match(message, /^Set image\.tag to 1\.5\.0@sha256:d+ in values\.yaml\n\n- values\.yaml:4 image\.tag: 1\.4\.2 → /);
  assert.equal(await runTestGit(repo.bare, ['log', '-1', '--format=%an <%ae>', 'main']), 'Trueup <trueup@localhost>');
});

test('gitops set: a value already set makes no commit', async (t) => {
  if (!await requireGit(t)) return;
  const repo = await configRepo(t, { 'values.yaml': VALUES });
  const before = await runTestGit(repo.bare, ['rev-parse', 'main']);
  const result = await setInRepo({ repoURL: repo.url, ref: 'main' }, [{ file: 'values.yaml', key: 'image.tag', value: '1.4.2' }], { origin: { source: 'gitops-set' } });
  assert.deepEqual({ outcome: result.outcome, revision: result.revision }, { outcome: 'unchanged', revision: before });
  assert.equal(await runTestGit(repo.bare, ['rev-parse', 'main']), before);
});

test('gitops set: a missing key, file or a type change fails and commits nothing', async (t) => {
  if (!await requireGit(t)) return;
  const repo = await configRepo(t, { 'values.yaml': VALUES });
  const before = await runTestGit(repo.bare, ['rev-parse', 'main']);
  const cases = [
    { edit: { file: 'values.yaml', key: 'image.digest', value: 'x' }, code: 'GITOPS_KEY_NOT_FOUND', says: /values\.yaml.*image\.digest/ },
    { edit: { file: 'other.yaml', key: 'a', value: 'x' }, code: 'GITOPS_FILE_NOT_FOUND', says: /other\.yaml/ },
    { edit: { file: 'values.yaml', key: 'replicaCount', value: 'many' }, code: 'GITOPS_TYPE_CHANGE', says: /values\.yaml:6: replicaCount: .*number/ },
    { edit: { file: '../x.yaml', key: 'a', value: 'x' }, code: 'GITOPS_FILE_NOT_FOUND', says: /not a path inside/ },
  ];
  for (const { edit, code, says } of cases) {
    await assert.rejects(setInRepo({ repoURL: repo.url, ref: 'main' }, [edit], { origin: { source: 'gitops-set' } }), (error: unknown) => {
      assert.ok(isTrueupError(error, code), String(error));
      assert.match(error.describe(), says);
      return true;
    });
  }
  assert.equal(await runTestGit(repo.bare, ['rev-parse', 'main']), before);
});

test('gitops set: a push refused by a hook (a protected branch) is a clear error, not retried', async (t) => {
  if (!await requireGit(t)) return;
  const repo = await configRepo(t, { 'values.yaml': VALUES });
  await repo.refuseWith('main is protected: open a pull request');
  const pushes = () => repo.server.requests.filter((line) => line.startsWith('POST') && line.includes('git-receive-pack')).length;
  await assert.rejects(setInRepo({ repoURL: repo.url, ref: 'main' }, [{ file: 'values.yaml', key: 'image.tag', value: '2' }], { origin: { source: 'gitops-set' } }), (error: unknown) => {
    assert.ok(isTrueupError(error, 'GITOPS_PUSH_REJECTED'), String(error));
    assert.match(error.message, /refused the push to branch "main".*main is protected: open a pull request/);
    return true;
  });
  assert.equal(pushes(), 1);
  assert.equal(await repo.show('values.yaml'), VALUES);
});

test('gitops set: credentials from the URL reach the server as a header; a wrong password is GIT_AUTH_FAILED', async (t) => {
  if (!await requireGit(t)) return;
  const repo = await configRepo(t, { 'values.yaml': VALUES }, { username: 'ci', password: 's3cret' });
  const url = (password: string) => repo.url.replace('http://', `http://ci:${password}@`);
  const ok = await setInRepo({ repoURL: url('s3cret'), ref: 'main' }, [{ file: 'values.yaml', key: 'image.tag', value: '9' }], { origin: { source: 'gitops-set' } });
  assert.equal(ok.outcome, 'committed');
  await assert.rejects(setInRepo({ repoURL: url('wrong'), ref: 'main' }, [{ file: 'values.yaml', key: 'image.tag', value: '10' }], { origin: { source: 'gitops-set' } }), (error: unknown) => {
    assert.ok(isTrueupError(error, 'GIT_AUTH_FAILED'), String(error));
    assert.doesNotMatch(error.message, /wrong/);
    return true;
  });
});

test('gitops set: 20 concurrent writers to one branch on different keys all land', async (t) => {
  if (!await requireGit(t)) return;
  const keys = Array.from({ length: 20 }, (_, index) => `k${index}`);
  const repo = await configRepo(t, { 'values.yaml': `# twenty keys\n${keys.map((key) => `${key}: "0"\n`).join('')}` });
  const results = await Promise.allSettled(keys.map((key) => setInRepo({ repoURL: repo.url, ref: 'main' }, [{ file: 'values.yaml', key, value: `v-${key}` }], { origin: { source: 'gitops-set', run: key } })));
  const failures = results.filter((result) => result.status === 'rejected');
  assert.deepEqual(failures, []);
  assert.equal(await repo.show('values.yaml'), `# twenty keys\n${keys.map((key) => `${key}: "v-${key}"\n`).join('')}`);
  const log = await repo.log();
  assert.equal(log.filter(isTrueupCommit).length, 20);
  const attempts = results.map((result) => (result.status === 'fulfilled' ? result.value.attempts : 0));
  t.diagnostic(`attempts: ${attempts.join(',')}`);
  assert.ok(attempts.some((count) => count > 1), `the writers raced: attempts ${attempts.join(',')}`);
});

test('gitops set: a branch that does not exist starts from its base; the next write goes on the new branch; a missing base is named', async (t) => {
  if (!await requireGit(t)) return;
  const repo = await configRepo(t, { 'values.yaml': VALUES });
  const main = await runTestGit(repo.bare, ['rev-parse', 'main']);
  const first = await setInRepo({ repoURL: repo.url, ref: 'fix/tag', base: 'main' }, [{ file: 'values.yaml', key: 'image.tag', value: '1.5.0' }], { origin: { source: 'adopt' } });
  assert.equal(first.outcome, 'committed');
  assert.equal(await runTestGit(repo.bare, ['rev-parse', 'fix/tag~1']), main, 'the new branch starts at main');
  assert.equal(await runTestGit(repo.bare, ['rev-parse', 'main']), main, 'main is left as it was');
  const second = await setInRepo({ repoURL: repo.url, ref: 'fix/tag', base: 'main' }, [{ file: 'values.yaml', key: 'replicaCount', value: '3' }], { origin: { source: 'adopt' } });
  assert.equal(await runTestGit(repo.bare, ['rev-parse', 'fix/tag~1']), first.revision, 'an existing branch is written on, not started again');
  assert.equal(second.outcome, 'committed');
  assert.equal(await repo.show('values.yaml', 'fix/tag'), VALUES.replace('"1.4.2"', '"1.5.0"').replace('replicaCount: 2', 'replicaCount: 3'));
  await assert.rejects(setInRepo({ repoURL: repo.url, ref: 'fix/other', base: 'nope' }, [{ file: 'values.yaml', key: 'replicaCount', value: '4' }], { origin: { source: 'adopt' } }), (error: unknown) => {
    assert.ok(isTrueupError(error, 'GIT_REF_NOT_FOUND'), String(error));
    assert.match(error.describe(), /nope/);
    return true;
  });
});
