/**
 * SOPS through the agent into the real API server: a Secret encrypted with age in Git is
 * decrypted with the key in the agent's state dir; its values never show in status, diffs or
 * history, only their sizes.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { findTool } from '@trueup/render';
import { ageKeyPair, agentFixture, kubeNamespace, sopsEncrypt } from '@trueup/testkit';
import { startAgent } from './agent.ts';
import { runOnce } from './run-once.ts';
import { getObject, historyOf, kubeEnv } from './testing.ts';

const secret = (password: string) => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: ${password}\n`;

test('a SOPS-encrypted Secret is decrypted with the agent\'s age key; its value shows nowhere but in the cluster', async (t) => {
  const env = await kubeEnv(t);
  if (env === undefined) return;
  const sops = findTool('sops', undefined).bin;
  try {
    execFileSync(sops, ['--version'], { stdio: 'ignore' });
  } catch {
    if (process.env['CI'] === 'true') throw new Error(`sops was not found (${sops}): run scripts/provision-tests.sh`);
    t.skip('sops is not installed');
    return;
  }
  const namespace = await kubeNamespace(env, t);
  const key = ageKeyPair();
  const fixture = await agentFixture({
    files: { 'app/db.yaml': await sopsEncrypt(sops, secret('s3cret-value'), key.recipient) },
    destination: `{ kubernetes: { kubeconfig: "${env.kubeconfig}", namespace: ${namespace} } }`,
    automated: false,
    extraSpec: '  decryption: { provider: sops }\n',
  });
  t.after(() => fixture.cleanup());
  await mkdir(join(fixture.stateDir, 'sops'), { recursive: true });
  await writeFile(join(fixture.stateDir, 'sops', 'age.agekey'), `${key.identity}\n`, { mode: 0o600 });

  // Detect only: the diff of the Secret to create shows the key and the size, never the value.
  const agent = await startAgent({ stateDir: fixture.stateDir, paths: [fixture.appFile] });
  const detected = await agent.refresh('test');
  await agent.stop();
  assert.equal(detected?.error, undefined, JSON.stringify(detected?.error));
  assert.equal(detected?.sync, 'OutOfSync');
  const diff = detected?.resources.find((r) => r.kind === 'Secret')?.diff ?? '';
  assert.match(diff, /password: "<redacted: 12 bytes>"/, diff);
  const value = Buffer.from('s3cret-value').toString('base64');
  assert.ok(!JSON.stringify(detected).includes('s3cret-value') && !JSON.stringify(detected).includes(value), 'no value in the status');

  const [synced] = await runOnce({ stateDir: fixture.stateDir, paths: [fixture.appFile], mode: 'apply' });
  assert.equal(synced?.error, undefined, JSON.stringify(synced?.error));
  assert.equal(synced?.sync, 'Synced');
  const live = await getObject(env, `/api/v1/namespaces/${namespace}/secrets/db`);
  assert.equal(Buffer.from((live?.['data'] as { password: string }).password, 'base64').toString(), 's3cret-value');
  const state = JSON.stringify(historyOf(fixture.stateDir)) + await readFile(join(fixture.stateDir, 'state.db')).then((bytes) => bytes.toString('latin1'), () => '');
  assert.ok(!state.includes('s3cret-value') && !state.includes(value), 'no value in history or the state');
});
