/** SOPS decryption before rendering, with the pinned sops and age keys made by the test kit. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { test, type TestContext } from 'node:test';
import { ageKeyPair, sopsEncrypt } from '@trueup/testkit';
import { DEFAULT_RENDER_LIMITS } from './limits.ts';
import { withDecryptedCheckout } from './sops.ts';
import { captureError, scratchRepo } from './test-helpers.ts';
import { renderKubernetesManifests } from './kube/render-kubernetes.ts';
import { findTool } from './tools/renderers.ts';

function sopsBin(t: TestContext): string | undefined {
  const { bin } = findTool('sops', undefined);
  try {
    execFileSync(bin, ['--version'], { stdio: 'ignore' });
    return bin;
  } catch {
    if (process.env['CI'] === 'true') throw new Error(`sops was not found (${bin}): run scripts/provision-tests.sh`);
    t.skip('sops is not installed: trueup tools install sops');
    return undefined;
  }
}

const secret = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: s3cret-value\n';

test('SOPS files are decrypted in a copy: the render reads the Secret, the checkout keeps the ciphertext', async (t) => {
  const bin = sopsBin(t);
  if (bin === undefined) return;
  const key = ageKeyPair();
  const scratch = await scratchRepo();
  t.after(() => scratch.remove());
  const encrypted = await sopsEncrypt(bin, secret, key.recipient);
  assert.doesNotMatch(encrypted, /s3cret-value/);
  await scratch.write('app/db.yaml', encrypted);
  await scratch.write('app/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n');
  const decryption = { ageKeys: key.identity, bin, limits: DEFAULT_RENDER_LIMITS };
  const { objects } = await withDecryptedCheckout(scratch.repo, decryption, (dir) => renderKubernetesManifests({ checkoutDir: dir, path: 'app', application: 'shop' }));
  assert.deepEqual(objects.map((o) => `${o.key.kind}/${o.key.name} ${o.origin.file}`), ['ConfigMap/plain app/cm.yaml', 'Secret/db app/db.yaml']);
  assert.deepEqual(objects[1]?.manifest['stringData'], { password: 's3cret-value' });
  assert.equal(objects[1]?.manifest['sops'], undefined);
  assert.equal(await readFile(`${scratch.repo}/app/db.yaml`, 'utf8'), encrypted, 'the checkout is never written');

  // Another key: sops says so, and nothing of the file or key shows.
  const wrong = await captureError(withDecryptedCheckout(scratch.repo, { ...decryption, ageKeys: ageKeyPair().identity }, async () => assert.fail('rendered')));
  assert.equal(wrong.code, 'RENDER_TOOL_FAILED');
  assert.match(wrong.message, /^sops failed decrypting app\/db\.yaml: /);
  assert.doesNotMatch(wrong.message, /AGE-SECRET-KEY|s3cret/);
});

test('a SOPS file that is not a Secret, or encrypted for PGP only, is refused naming the file', async (t) => {
  const bin = sopsBin(t);
  if (bin === undefined) return;
  const key = ageKeyPair();
  const scratch = await scratchRepo();
  t.after(() => scratch.remove());
  await scratch.write('app/cm.yaml', await sopsEncrypt(bin, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  token: abc\n', key.recipient));
  const decryption = { ageKeys: key.identity, bin, limits: DEFAULT_RENDER_LIMITS };
  const configMap = await captureError(withDecryptedCheckout(scratch.repo, decryption, async () => assert.fail('rendered')));
  assert.equal(configMap.code, 'API_FIELD_INVALID');
  assert.match(configMap.message, /^app\/cm\.yaml is SOPS-encrypted but holds ConfigMap: only Secrets are decrypted/);
  assert.doesNotMatch(configMap.message, /abc/);

  await scratch.write('app/cm.yaml', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: old\ndata:\n  a: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\nsops:\n  pgp:\n    - fp: 0123456789ABCDEF\n      enc: x\n  mac: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\n  version: 3.13.3\n');
  const pgp = await captureError(withDecryptedCheckout(scratch.repo, decryption, async () => assert.fail('rendered')));
  assert.equal(pgp.code, 'API_FIELD_INVALID');
  assert.equal(pgp.message, 'app/cm.yaml is encrypted for pgp, not age: only age keys are supported (add an age recipient with sops updatekeys)');
});
