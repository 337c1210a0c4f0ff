import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { isTrueupError } from '@trueup/api';
import { createServedRepo, createWorkRepo, requireGit, requireSshd, startSshd, tempDir } from '@trueup/testkit';
import { GitCache } from './index.ts';

const execFileAsync = promisify(execFile);

async function sshFixture(t: TestContext) {
  if (!await requireGit(t) || !await requireSshd(t)) return undefined;
  const root = await tempDir(t);
  const served = await createServedRepo(join(root, 'served dir'), 'config.git');
  const work = await createWorkRepo(join(root, 'work'));
  await work.write({ 'hosts/web/app.yaml': 'kind: Service\n' });
  const sha = await work.commit('first');
  await work.push(served);
  const sshd = await startSshd({ dir: join(root, 'sshd') });
  t.after(() => sshd.close());
  // Credentials in a folder with a space, a quote and a %: GIT_SSH_COMMAND must quote them for sh and ssh.
  const creds = join(root, "it's 100% creds");
  await mkdir(creds);
  await copyFile(sshd.clientKeyFile, join(creds, 'id_ed25519'));
  await chmod(join(creds, 'id_ed25519'), 0o600);
  await copyFile(sshd.knownHostsFile, join(creds, 'known_hosts'));
  return { root, sha, sshd, creds, url: sshd.url(served), cache: new GitCache({ dir: join(root, 'cache') }) };
}

test('ssh:// with a key and known_hosts: resolve and shallow checkout', async (t) => {
  const f = await sshFixture(t);
  if (f === undefined) return;
  const source = { repoURL: f.url, ref: 'main', path: 'hosts/web', credentials: { sshKeyFile: 'id_ed25519', knownHostsFile: 'known_hosts' } };
  const artifact = await f.cache.sync(source, { baseDir: f.creds });
  assert.equal(artifact.revision, f.sha, f.sshd.log());
  assert.equal(await readFile(join(artifact.dir, 'hosts/web/app.yaml'), 'utf8'), 'kind: Service\n');
  assert.deepEqual(f.cache.stats, { lsRemote: 1, fetch: 1, checkout: 1 });
});

test('ssh:// with a host key not in known_hosts is GIT_AUTH_FAILED naming known_hosts', async (t) => {
  const f = await sshFixture(t);
  if (f === undefined) return;
  const otherHost = (await readFile(join(f.sshd.clientKeyFile + '.pub'), 'utf8')).split(' ').slice(0, 2).join(' ');
  await writeFile(join(f.creds, 'wrong_known_hosts'), `[127.0.0.1]:${f.sshd.port} ${otherHost}\n`);
  await writeFile(join(f.creds, 'empty_known_hosts'), '');
  for (const knownHostsFile of ['wrong_known_hosts', 'empty_known_hosts']) {
    const source = { repoURL: f.url, ref: 'main', credentials: { sshKeyFile: 'id_ed25519', knownHostsFile } };
    await assert.rejects(f.cache.sync(source, { baseDir: f.creds }), (error) => {
      assert.ok(isTrueupError(error, 'GIT_AUTH_FAILED'), String(error));
      assert.match(error.message, /host key/i);
      assert.match(error.message, /knownHostsFile/);
      assert.ok(error.message.includes(f.url), error.message);
      return true;
    });
  }
});

test('ssh:// with a key the server does not accept is GIT_AUTH_FAILED; a missing key file is GIT_CREDENTIALS_FILE', async (t) => {
  const f = await sshFixture(t);
  if (f === undefined) return;
  await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(f.creds, 'other_key')]);
  await assert.rejects(f.cache.sync({ repoURL: f.url, ref: 'main', credentials: { sshKeyFile: 'other_key', knownHostsFile: 'known_hosts' } }, { baseDir: f.creds }),
    (error) => isTrueupError(error, 'GIT_AUTH_FAILED') && /rejected the key/.test(error.message));
  await assert.rejects(f.cache.sync({ repoURL: f.url, ref: 'main', credentials: { sshKeyFile: 'missing_key', knownHostsFile: 'known_hosts' } }, { baseDir: f.creds }),
    (error) => isTrueupError(error, 'GIT_CREDENTIALS_FILE') && error.message.includes(join(f.creds, 'missing_key')));
});
