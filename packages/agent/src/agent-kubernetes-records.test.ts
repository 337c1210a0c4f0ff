/**
 * The agent's records of what exists in a cluster: objects a killed pass created are found by
 * their label and pruned once Git drops them; an inventory entry for an object already gone
 * leaves; an application that never synced anything is not Healthy.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { agentFixture, kubeCall, kubeNamespace } from '@trueup/testkit';
import { runOnce } from './run-once.ts';
import { getObject, kubeAgent, kubeEnv } from './testing.ts';

const configMap = (name: string, data: Record<string, string>): string =>
  `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata: ${JSON.stringify(data)}\n`;

const inventoryOf = async (env: Parameters<typeof getObject>[0], namespace: string): Promise<string[]> =>
  ((await getObject(env, `/api/v1/namespaces/${namespace}/configmaps/trueup-inventory-test`))?.['data'] as { objects: string }).objects.split('\n').filter((line) => line !== '');

test('an object labelled as the application\'s but missing from its inventory (a pass killed before saving it) is pruned when Git does not declare it', async (t) => {
  const run = await kubeAgent(t, { 'app/config.yaml': configMap('settings', { mode: 'fast' }) });
  if (run === undefined) return;
  const { agent, env, namespace } = run;
  const labels = { 'app.kubernetes.io/managed-by': 'trueup', 'trueup.dev/application': 'test' };
  await kubeCall(env, 'POST', `/api/v1/namespaces/${namespace}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'left-by-a-killed-pass', namespace, labels }, data: { a: '1' } });
  await kubeCall(env, 'POST', `/api/v1/namespaces/${namespace}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'someone-elses', namespace, labels: { ...labels, 'trueup.dev/application': 'other' } }, data: { a: '1' } });
  const elsewhere = await kubeNamespace(env, t); // an application of the same name deploying there is not this one
  await kubeCall(env, 'POST', `/api/v1/namespaces/${elsewhere}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'same-name-elsewhere', namespace: elsewhere, labels }, data: { a: '1' } });
  const deadline = Date.now() + 30_000;
  while ((await getObject(env, `/api/v1/namespaces/${namespace}/configmaps/left-by-a-killed-pass`)) !== undefined) {
    assert.ok(Date.now() < deadline, 'the labelled leftover was never pruned');
    const status = await agent.refresh('test');
    assert.equal(status?.error, undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.ok(await getObject(env, `/api/v1/namespaces/${namespace}/configmaps/someone-elses`) !== undefined, 'another application\'s object stays');
  assert.ok(await getObject(env, `/api/v1/namespaces/${elsewhere}/configmaps/same-name-elsewhere`) !== undefined, 'an object of the same application name in another namespace stays');
  assert.deepEqual(await inventoryOf(env, namespace), [`v1/ConfigMap/${namespace}/settings`]);
});

test('an inventory entry whose object is already gone (deleted by hand, then in Git) leaves the inventory: never Missing', async (t) => {
  const env = await kubeEnv(t);
  if (env === undefined) return;
  const namespace = await kubeNamespace(env, t);
  const fixture = await agentFixture({ files: { 'app/config.yaml': configMap('settings', { mode: 'fast' }) + configMap('gone', { a: '1' }) }, destination: `{ kubernetes: { kubeconfig: "${env.kubeconfig}", namespace: ${namespace} } }` });
  t.after(() => fixture.cleanup());
  const sync = async () => (await runOnce({ stateDir: fixture.stateDir, paths: [fixture.appFile], mode: 'apply' }))[0];
  assert.equal((await sync())?.sync, 'Synced');
  await kubeCall(env, 'DELETE', `/api/v1/namespaces/${namespace}/configmaps/gone`);
  await fixture.commit({ 'app/config.yaml': configMap('settings', { mode: 'fast' }) });
  const status = await sync();
  assert.equal(`${status?.sync}/${status?.health.status}`, 'Synced/Healthy', JSON.stringify(status?.resources));
  assert.deepEqual(await inventoryOf(env, namespace), [`v1/ConfigMap/${namespace}/settings`]);
});

test('an application whose first fetch fails has synced nothing: Unknown, not Healthy', async (t) => {
  const env = await kubeEnv(t);
  if (env === undefined) return;
  const fixture = await agentFixture({ files: { 'app/config.yaml': configMap('settings', { mode: 'fast' }) }, destination: `{ kubernetes: { kubeconfig: "${env.kubeconfig}", namespace: default } }` });
  t.after(() => fixture.cleanup());
  await writeFile(fixture.appFile, (await readFile(fixture.appFile, 'utf8')).replace('ref: main', 'ref: no-such-branch'));
  const [status] = await runOnce({ stateDir: fixture.stateDir, paths: [fixture.appFile], mode: 'apply' });
  assert.equal(status?.error?.code, 'GIT_REF_NOT_FOUND');
  assert.equal(status?.health.status, 'Unknown');
});
