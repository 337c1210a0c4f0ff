import assert from 'node:assert/strict';
import { test } from 'node:test';
import { registerSecret, stripCredentials } from './redact.ts';

test('stripCredentials removes userinfo from URLs', () => {
  const cases: Array<[string, string]> = [
    ['https://user:pass@host/x', 'https://host/x'],
    ['fatal: unable to access \'https://ghp_abc123@github.com/o/r.git/\': 403', 'fatal: unable to access \'https://github.com/o/r.git/\': 403'],
    ['http://u:p%40ss@127.0.0.1:8080/r.git and https://a:b@c/d', 'http://127.0.0.1:8080/r.git and https://c/d'],
    ['https://user:p@ss@host/x', 'https://host/x'],
    ['ssh://git@host:22/r.git', 'ssh://git@host:22/r.git'],
    ['ssh://git:secret@host/r.git', 'ssh://git@host/r.git'],
    ['file:///srv/git/r.git', 'file:///srv/git/r.git'],
    ['no url here: a@b', 'no url here: a@b'],
  ];
  for (const [input, want] of cases) assert.equal(stripCredentials(input), want, input);
});

test('stripCredentials removes registered and given secret values, also URL-encoded', () => {
  registerSecret('s3cr3t/value!');
  assert.equal(stripCredentials('auth with s3cr3t/value! failed'), 'auth with *** failed');
  assert.equal(stripCredentials('url had s3cr3t%2Fvalue!'), 'url had ***');
  assert.equal(stripCredentials('token tok-12345 here', ['tok-12345']), 'token *** here');
  registerSecret('ab');
  assert.equal(stripCredentials('about'), 'about', 'values too short to be secrets are not redacted');
});
