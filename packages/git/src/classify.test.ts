import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyFailure } from './classify.ts';

const ctx = { operation: 'list refs', display: 'https://git.example.com/ops/config.git', ref: 'main' };

test('git stderr maps to error codes', () => {
  const cases: Array<{ stderr: string; code: string }> = [
    { stderr: "fatal: Authentication failed for 'https://git.example.com/ops/config.git/'", code: 'GIT_AUTH_FAILED' },
    { stderr: "fatal: unable to access 'https://git.example.com/ops/config.git/': The requested URL returned error: 403", code: 'GIT_AUTH_FAILED' },
    { stderr: "fatal: could not read Username for 'https://git.example.com': terminal prompts disabled", code: 'GIT_AUTH_FAILED' },
    { stderr: 'git@127.0.0.1: Permission denied (publickey).\r\nfatal: Could not read from remote repository.', code: 'GIT_AUTH_FAILED' },
    { stderr: 'No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.\nHost key verification failed.', code: 'GIT_AUTH_FAILED' },
    { stderr: 'Permissions 0644 for \'/k\' are too open.\nLoad key "/k": bad permissions\nroot@h: Permission denied (publickey).', code: 'GIT_CREDENTIALS_FILE' },
    { stderr: "fatal: unable to access 'https://git.example.com/x/': Could not resolve host: git.example.com", code: 'GIT_UNREACHABLE' },
    { stderr: 'ssh: connect to host 127.0.0.1 port 1: Connection refused\nfatal: Could not read from remote repository.', code: 'GIT_UNREACHABLE' },
    { stderr: "fatal: unable to access 'https://h/x/': The requested URL returned error: 503", code: 'GIT_UNREACHABLE' },
    { stderr: "fatal: repository 'https://h/x/' not found", code: 'GIT_FETCH_FAILED' },
    { stderr: 'remote: Repository not found.\nfatal: repository not found', code: 'GIT_REPO_NOT_FOUND' },
    { stderr: "fatal: '/srv/x.git' does not appear to be a git repository", code: 'GIT_REPO_NOT_FOUND' },
    { stderr: 'fatal: couldn\'t find remote ref refs/heads/nope', code: 'GIT_REF_NOT_FOUND' },
    { stderr: 'fatal: remote error: upload-pack: not our ref ffff', code: 'GIT_REF_NOT_FOUND' },
    { stderr: 'fatal: something unexpected', code: 'GIT_FETCH_FAILED' },
    { stderr: 'fatal: bad shallow line: xx', code: 'GIT_CACHE_CORRUPT' },
    { stderr: 'error: object file ./objects/ab/cdef is empty\nfatal: loose object abcdef (stored in ./objects/ab/cdef) is corrupt', code: 'GIT_CACHE_CORRUPT' },
  ];
  for (const { stderr, code } of cases) {
    const error = classifyFailure({ exitCode: 128, stdout: '', stderr }, ctx);
    assert.equal(error.code, code, stderr);
    assert.ok(error.message.includes(ctx.display), error.message);
  }
});

test('messages quote what git said without its boilerplate', () => {
  const error = classifyFailure({ exitCode: 128, stdout: '', stderr: 'ssh: connect to host h port 22: Connection refused\nfatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.\n' }, ctx);
  assert.match(error.message, /git said: ssh: connect to host h port 22: Connection refused$/);
  assert.equal(error.retryable, true);
});

test('a lock in the way is GIT_CACHE_LOCKED, and the message keeps the line naming the lock', () => {
  const stderr = "fatal: Unable to create '/var/lib/trueup/git/x/repo.git/shallow.lock': File exists.\n\nAnother git process seems to be running in this repository, e.g.\nan editor opened by 'git commit'. Please make sure all processes\nare terminated then try again. If it still fails, a git process\nmay have crashed in this repository earlier:\nremove the file manually to continue.\n";
  const error = classifyFailure({ exitCode: 128, stdout: '', stderr }, { ...ctx, operation: 'fetch abc' });
  assert.equal(error.code, 'GIT_CACHE_LOCKED');
  assert.equal(error.retryable, true);
  assert.match(error.message, /git said: fatal: Unable to create '\/var\/lib\/trueup\/git\/x\/repo\.git\/shallow\.lock': File exists\.$/);
});
