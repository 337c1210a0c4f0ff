import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { isTrueupError } from '@trueup/api';
import { loadAuth, shellQuote } from './credentials.ts';
import { stripCredentials } from './redact.ts';

const execFileAsync = promisify(execFile);

test('HTTP credentials become an Authorization header in git config, and secrets are registered', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-cred-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'pw'), 'hunter22-pass\n');
  const auth = await loadAuth({ username: 'alice', passwordFile: 'pw' }, 'http', dir);
  const header = `Authorization: Basic ${Buffer.from('alice:hunter22-pass').toString('base64')}`;
  assert.deepEqual(auth.config, [['credential.helper', ''], ['http.extraHeader', header]]);
  assert.equal(stripCredentials(`header was ${header}`), 'header was Authorization: Basic ***');
  assert.equal(stripCredentials('said hunter22-pass'), 'said ***');

  await writeFile(join(dir, 'token'), 'tok-abcdef');
  const byToken = await loadAuth({ tokenFile: join(dir, 'token') }, 'http', '/nonexistent');
  assert.deepEqual(byToken.config[1], ['http.extraHeader', `Authorization: Basic ${Buffer.from('git:tok-abcdef').toString('base64')}`]);
});

test('missing or empty credentials files are GIT_CREDENTIALS_FILE naming the file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-cred-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'empty'), '\n');
  const cases = [
    { credentials: { passwordFile: 'nope' }, transport: 'http' as const, file: join(dir, 'nope'), field: 'passwordFile' },
    { credentials: { tokenFile: 'empty' }, transport: 'http' as const, file: join(dir, 'empty'), field: 'tokenFile' },
    { credentials: { sshKeyFile: 'key' }, transport: 'ssh' as const, file: join(dir, 'key'), field: 'sshKeyFile' },
  ];
  for (const { credentials, transport, file, field } of cases) {
    await assert.rejects(loadAuth(credentials, transport, dir), (error) => {
      assert.ok(isTrueupError(error, 'GIT_CREDENTIALS_FILE'), String(error));
      assert.ok(error.message.includes(file), error.message);
      assert.ok(error.message.includes(field), error.message);
      return true;
    });
  }
});

test('GIT_SSH_COMMAND carries odd paths intact through the shell and ssh option parsing', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-cred-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const odd = join(dir, `it's a "100%" $dir`);
  await mkdir(odd);
  await writeFile(join(odd, 'key'), 'not a key');
  await writeFile(join(odd, 'known hosts'), '');
  const auth = await loadAuth({ sshKeyFile: 'key', knownHostsFile: 'known hosts' }, 'ssh', odd);
  const command = auth.env['GIT_SSH_COMMAND'] ?? '';
  assert.match(command, /-o IdentitiesOnly=yes/);
  assert.match(command, /-o BatchMode=yes/);
  assert.match(command, /-o StrictHostKeyChecking=yes/);
  let config: string;
  let warnings: string;
  try {
    ({ stdout: config, stderr: warnings } = await execFileAsync('/bin/sh', ['-c', `${command} -G example.invalid`]));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && process.env['CI'] !== 'true') return t.skip('ssh is not installed');
    throw error;
  }
  assert.doesNotMatch(warnings, /warning|not accessible|invalid/i);
  // ssh -G prints identity files before their `%` expansion (git-cache-ssh.test.ts logs in with such a path).
  assert.ok(config.includes(`identityfile ${join(odd, 'key').replaceAll('%', '%%')}\n`), config);
  assert.ok(config.includes(`userknownhostsfile "${join(odd, 'known hosts')}"`) || config.includes(`userknownhostsfile ${join(odd, 'known hosts')}\n`), config);
  assert.equal(shellQuote('plain/path-1.txt'), 'plain/path-1.txt');
  assert.equal(shellQuote("a'b"), `'a'\\''b'`);
});
