import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupCommit } from '@trueup/gitops';
import { configRepo } from '@trueup/gitops/testing';
import { requireGit, runTestGit } from '@trueup/testkit';
import { trueup } from './cli-testing.ts';

const VALUES = 'image:\n  repository: shop/web\n  tag: "1.4.2" # CI\n';

test('trueup gitops set: commits once, then says the value is already set; bad keys and refused pushes exit non-zero', async (t) => {
  if (!await requireGit(t)) return;
  const repo = await configRepo(t, { 'deploy/values.yaml': VALUES });
  const set = (...extra: string[]) => trueup(['gitops', 'set', '--repo', repo.url, '--file', 'deploy/values.yaml', ...extra]);

  const first = await set('--key', 'image.tag', '--value', '1.5.0', '--run', 'build-12', '--message', 'Release web 1.5.0');
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^deploy\/values\.yaml:3 image\.tag: 1\.4\.2 → 1\.5\.0\ncommitted [0-9a-f]{12} to main\n$/);
  const [message = ''] = await repo.log();
  assert.ok(isTrueupCommit(message));
  assert.match(message, /^Release web 1\.5\.0\n[\s\S]*Trueup-Run: build-12$/);

  const head = await runTestGit(repo.bare, ['rev-parse', 'main']);
  const again = await set('--key', 'image.tag', '--value', '1.5.0', '-o', 'json');
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(JSON.parse(again.stdout), { outcome: 'unchanged', revision: head });
  assert.equal(await runTestGit(repo.bare, ['rev-parse', 'main']), head);

  const missing = await set('--key', 'image.digest', '--value', 'x');
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /deploy\/values\.yaml: image\.digest: no key "image\.digest" in deploy\/values\.yaml: "image" has no key "digest" \[GITOPS_KEY_NOT_FOUND\]/);

  await repo.refuseWith('main is protected');
  const refused = await set('--key', 'image.tag', '--value', '1.6.0');
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /refused the push to branch "main".*main is protected.*\[GITOPS_PUSH_REJECTED\]/);
  assert.equal(await runTestGit(repo.bare, ['rev-parse', 'main']), head);
});

test('trueup gitops set: 20 processes at once on one branch, different keys: all exit 0 and every value lands', async (t) => {
  if (!await requireGit(t)) return;
  const keys = Array.from({ length: 20 }, (_, index) => `app${index}`);
  const repo = await configRepo(t, { 'values.yaml': keys.map((key) => `${key}:\n  tag: "0" # CI\n`).join('') });
  const runs = await Promise.all(keys.map((key) => trueup(['gitops', 'set', '--repo', repo.url, '--file', 'values.yaml', '--key', `${key}.tag`, '--value', `1.0.${key.slice(3)}`, '--run', key])));
  assert.deepEqual(runs.filter((run) => run.code !== 0).map((run) => run.stderr), []);
  assert.equal(await repo.show('values.yaml'), keys.map((key) => `${key}:\n  tag: "1.0.${key.slice(3)}" # CI\n`).join(''));
  assert.equal((await repo.log()).filter(isTrueupCommit).length, 20);
});
