import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refFollows, repoKey } from './repo-key.ts';

test('repoKey: one key however the URL is spelled', () => {
  const cases: [string, string][] = [
    ['https://Git.Example.com/ops/config.git', 'git.example.com/ops/config'],
    ['https://git.example.com/ops/config', 'git.example.com/ops/config'],
    ['https://user:secret@git.example.com:443/ops/config/', 'git.example.com/ops/config'],
    ['ssh://git@git.example.com/ops/config.git', 'git.example.com/ops/config'],
    ['ssh://git@git.example.com:2222/ops/config.git', 'git.example.com:2222/ops/config'],
    ['git@git.example.com:ops/config.git', 'git.example.com/ops/config'],
    ['file:///srv/git/config.git', '/srv/git/config'],
    ['http://127.0.0.1:8080/config.git', '127.0.0.1:8080/config'],
  ];
  for (const [url, want] of cases) assert.equal(repoKey(url), want, url);
});

test('refFollows: branch and tag names, full or short; HEAD follows the default branch', () => {
  assert.equal(refFollows('main', 'refs/heads/main'), true);
  assert.equal(refFollows('refs/heads/main', 'refs/heads/main'), true);
  assert.equal(refFollows('refs/heads/main', 'main'), true, 'a plain push may name the branch short');
  assert.equal(refFollows('main', 'refs/heads/dev'), false);
  assert.equal(refFollows('v1', 'refs/tags/v1'), true);
  assert.equal(refFollows('HEAD', 'refs/heads/trunk', 'trunk'), true);
  assert.equal(refFollows('HEAD', 'refs/heads/dev', 'trunk'), false);
  assert.equal(refFollows('0123456789abcdef0123456789abcdef01234567', 'refs/heads/main'), false);
});
