import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createServedRepo, createWorkRepo, requireGit, runTestGit, tempDir } from './git-repo.ts';
import { requireSshd, startSshd } from './sshd.ts';

test('sshd serves git over ssh:// to the generated client key, checking the host key', async (t) => {
  if (!await requireGit(t) || !await requireSshd(t)) return;
  const root = await tempDir(t);
  const served = await createServedRepo(root, 'config.git');
  const work = await createWorkRepo(join(root, 'work'));
  const sha = await work.commit('empty');
  await work.push(served);

  const sshd = await startSshd({ dir: join(root, 'sshd') });
  t.after(() => sshd.close());
  const ssh = `ssh -i ${sshd.clientKeyFile} -o IdentitiesOnly=yes -o UserKnownHostsFile=${sshd.knownHostsFile} -o StrictHostKeyChecking=yes -o BatchMode=yes`;
  const listed = await runTestGit(root, ['-c', `core.sshCommand=${ssh}`, 'ls-remote', sshd.url(served), 'refs/heads/main']);
  assert.equal(listed, `${sha}\trefs/heads/main`, sshd.log());

  const noKnownHost = `ssh -i ${sshd.clientKeyFile} -o IdentitiesOnly=yes -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o BatchMode=yes`;
  await assert.rejects(runTestGit(root, ['-c', `core.sshCommand=${noKnownHost}`, 'ls-remote', sshd.url(served)]), /Host key verification failed/);
});
