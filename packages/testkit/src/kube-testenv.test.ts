import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { waitUntil } from './kube-testenv-http.ts';
import { kubeCall, kubeNamespace, kubeRequest, kubeTestEnv } from './kube-testenv.ts';

interface Condition { type: string; status: string }
interface WorkloadStatus { observedGeneration?: number; readyReplicas?: number; availableReplicas?: number; succeeded?: number; conditions?: Condition[] }
interface Workload { metadata: { generation?: number }; status?: WorkloadStatus }

const condition = (status: WorkloadStatus | undefined, type: string) => status?.conditions?.find((c) => c.type === type)?.status;

const podTemplate = (app: string) => ({
  metadata: { labels: { app } },
  spec: { containers: [{ name: app, image: 'registry.invalid/trueup/app:1' }] },
});

test('the environment answers /readyz and hands out working kubeconfigs', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const ready = await kubeRequest(env, 'GET', '/readyz');
  assert.equal(ready.status, 200, ready.text);
  const version = await kubeCall(env, 'GET', '/version') as { gitVersion: string };
  assert.match(version.gitVersion, /^v1\.\d+\.\d+/);
  const kubeconfig = await readFile(env.kubeconfig, 'utf8');
  assert.ok(kubeconfig.includes(`server: ${env.server}`));
  assert.ok(kubeconfig.includes(`token: ${env.token}`));
  assert.ok(kubeconfig.includes(`certificate-authority-data: ${Buffer.from(env.ca).toString('base64')}`));
  assert.ok((await readFile(env.restrictedKubeconfig, 'utf8')).includes(`token: ${env.restrictedToken}`));
});

test('the restricted user is authenticated but forbidden to list secrets', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const restricted = { ...env, token: env.restrictedToken };
  const denied = await kubeRequest(restricted, 'GET', '/api/v1/namespaces/default/secrets');
  assert.equal(denied.status, 403, denied.text);
  assert.match(denied.text, /trueup-restricted/);
  assert.equal((await kubeRequest(env, 'GET', '/api/v1/namespaces/default/secrets')).status, 200);
  const anonymous = await kubeRequest({ ...env, token: 'not-a-token' }, 'GET', '/api/v1/namespaces');
  assert.equal(anonymous.status, 401);
});

test('a Deployment with 2 replicas becomes Available with 2 ready pods on the fake node', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const ns = await kubeNamespace(env, t);
  await kubeCall(env, 'POST', `/apis/apps/v1/namespaces/${ns}/deployments`, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: podTemplate('web') },
  });
  const deployment = await waitUntil('Deployment web Available', async () => {
    const d = await kubeCall(env, 'GET', `/apis/apps/v1/namespaces/${ns}/deployments/web`) as Workload;
    const s = d.status;
    const done = s?.observedGeneration === d.metadata.generation && s?.availableReplicas === 2 && condition(s, 'Available') === 'True';
    return done ? d : undefined;
  }, { timeoutMs: 120_000, intervalMs: 250 });
  assert.equal(deployment.status?.readyReplicas, 2);
  const pods = await kubeCall(env, 'GET', `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dweb`) as { items: { spec: { nodeName?: string }; status: { phase?: string } }[] };
  assert.equal(pods.items.length, 2);
  for (const pod of pods.items) {
    assert.equal(pod.spec.nodeName, env.nodeName);
    assert.equal(pod.status.phase, 'Running');
  }
});

test('a Job runs to completion', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const ns = await kubeNamespace(env, t);
  const template = podTemplate('once');
  await kubeCall(env, 'POST', `/apis/batch/v1/namespaces/${ns}/jobs`, {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'once' },
    spec: { backoffLimit: 0, template: { ...template, spec: { ...template.spec, restartPolicy: 'Never' } } },
  });
  const job = await waitUntil('Job once Complete', async () => {
    const j = await kubeCall(env, 'GET', `/apis/batch/v1/namespaces/${ns}/jobs/once`) as Workload;
    return condition(j.status, 'Complete') === 'True' ? j : undefined;
  }, { timeoutMs: 120_000, intervalMs: 250 });
  assert.equal(job.status?.succeeded, 1);
});
