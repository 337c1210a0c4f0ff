import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isTrueupError, type FluxGitRepository } from '@trueup/api';
import { fluxCredentials, isFluxController } from './flux-tree.ts';

const repository = (secretRef?: string): FluxGitRepository => ({
  apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: 'fleet', namespace: 'flux-system' },
  spec: { url: 'https://git.example.com/fleet.git', interval: '1m', ...(secretRef === undefined ? {} : { secretRef: { name: secretRef } }) },
});

test('a secretRef is read as files named by the Secret\'s keys; missing files are an error naming the folder', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-flux-secrets-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  assert.equal(fluxCredentials(repository(), dir), undefined);
  const folder = join(dir, 'flux-system', 'git-auth');
  assert.throws(() => fluxCredentials(repository('git-auth'), dir), (error: unknown) => isTrueupError(error, 'AGENT_FLUX_SECRET_MISSING') && error.message.includes(folder));
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'username'), 'deploy\n');
  await writeFile(join(folder, 'password'), 's3cret\n');
  assert.deepEqual(fluxCredentials(repository('git-auth'), dir), { username: 'deploy', passwordFile: join(folder, 'password') });
  await writeFile(join(folder, 'identity'), 'KEY');
  await writeFile(join(folder, 'known_hosts'), 'host ssh-ed25519 AAAA');
  assert.deepEqual(fluxCredentials(repository('git-auth'), dir), { username: 'deploy', passwordFile: join(folder, 'password'), sshKeyFile: join(folder, 'identity'), knownHostsFile: join(folder, 'known_hosts') });
});

test('Flux\'s controllers are recognised by their label or their CRD group', () => {
  assert.equal(isFluxController({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'source-controller', labels: { 'app.kubernetes.io/part-of': 'flux' } } }), true);
  assert.equal(isFluxController({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'gitrepositories.source.toolkit.fluxcd.io' } }), true);
  assert.equal(isFluxController({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }), false);
});
