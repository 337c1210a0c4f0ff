import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jobWriteRefusal, reads } from './job-gitops-scope.ts';

const followers = [
  { environment: 'staging', name: 'web', ref: 'main', path: 'envs/staging' },
  { environment: 'prod', name: 'web', ref: 'refs/heads/main', path: './envs/prod/' },
  { environment: 'dev', name: 'all', ref: 'dev', path: '.' },
];
const refuse = (environment: string | undefined, files: string[], ref = 'main'): string | undefined => jobWriteRefusal('deploy', environment, 'git://config', ref, files, followers);

test('a job writes only files its own environment reads, on the branch it follows', () => {
  assert.equal(refuse('staging', ['envs/staging/web.yaml']), undefined);
  assert.equal(refuse('prod', ['envs/prod/web.yaml']), undefined);
  assert.equal(refuse('dev', ['envs/prod/web.yaml'], 'dev'), undefined);
  assert.match(refuse('staging', ['envs/prod/web.yaml']) ?? '', /job deploy deploys to environment "staging": no application of "staging" reads envs\/prod\/web\.yaml on main of git:\/\/config/);
  assert.match(refuse('staging', ['envs/staging/web.yaml'], 'dev') ?? '', /no application of "staging" reads/);
  assert.match(refuse(undefined, ['envs/staging/web.yaml']) ?? '', /names no environment/);
  assert.match(refuse('staging', ['envs/staging/web.yaml', 'envs/staging-extra/x.yaml']) ?? '', /staging-extra/);
});

test('a file another environment also reads is refused, and so is one read on the default branch', () => {
  const shared = [...followers, { environment: 'prod', name: 'all', ref: 'HEAD', path: 'envs' }];
  assert.match(jobWriteRefusal('deploy', 'staging', 'git://config', 'main', ['envs/staging/web.yaml'], shared) ?? '', /is also read by prod\/all/);
});

test('reads: folders, not prefixes', () => {
  assert.equal(reads('.', 'a/b.yaml'), true);
  assert.equal(reads('a', 'a/b.yaml'), true);
  assert.equal(reads('a/', 'ab/b.yaml'), false);
  assert.equal(reads('a/b.yaml', 'a/b.yaml'), true);
});
