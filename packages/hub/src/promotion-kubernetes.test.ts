/**
 * Promotion to Kubernetes: the kube test environment (a real API server, controllers and kwok),
 * a Kubernetes agent for staging and a host agent for dev, joined to one hub. A release's image
 * tag is written into the Deployment of each stage in turn; the stage is Healthy when the agent
 * reports the rolled-out Deployment Healthy, and the live Deployment runs the released image.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReleaseView } from '@trueup/api';
import { kubeCall, kubeNamespace, kubeTestEnv, requireGit } from '@trueup/testkit';
import { eventually, promotionManifest, startHandoffEnv, trackPromotions, webDeployment, WEB_IMAGE_KEY } from '@trueup/testkit/handoff';

const hostApp = (image: string): string => `apiVersion: host.trueup.dev/v1alpha1
kind: File
metadata: { name: image }
spec:
  path: /srv/image
  content: "${image}"
`;

test('a release reaches a Kubernetes stage: the Deployment rolls out to the released image', async (t) => {
  if (!(await requireGit(t))) return;
  const kube = await kubeTestEnv(t);
  if (kube === undefined) return;
  const namespace = await kubeNamespace(kube, t);
  const env = await startHandoffEnv({
    environments: ['dev', 'staging'],
    destination: (name, root) => (name === 'staging' ? `{ kubernetes: { kubeconfig: "${kube.kubeconfig}", namespace: ${namespace} } }` : `{ host: { root: "${root}" } }`),
    files: (repoURL) => ({
      'envs/dev/app.yaml': hostApp('registry.invalid/web:1.0.0'),
      'envs/staging/web.yaml': webDeployment('registry.invalid/web:1.0.0'),
      '.trueup/promotions/web.yml': promotionManifest(repoURL, `  values: [{ name: image }]
  stages:
    - { name: dev, application: dev/web, set: [{ file: envs/dev/app.yaml, key: spec.content, value: image }] }
    - name: staging
      application: staging/web
      set: [{ file: envs/staging/web.yaml, key: "${WEB_IMAGE_KEY}", value: image }]
      gates: { soak: 1s }
`),
    }),
  });
  t.after(() => env.stop());
  const { client } = env.testHub;
  await trackPromotions(env, 2, 120_000);

  await env.operator.post('/api/v1/releases', { promotion: 'web', values: { image: 'registry.invalid/web:1.1.0' } });
  const view = await eventually('web-1 Healthy in staging', async () => {
    const release = await client.get<ReleaseView>('/api/v1/releases/web-1');
    const staging = release.stages.find((s) => s.stage === 'staging');
    if (staging?.state === 'failed') throw new Error(`failed in staging: ${staging.message ?? ''}`);
    return staging?.state === 'healthy' ? release : undefined;
  }, 120_000);
  assert.deepEqual(view.stages.map((s) => [s.stage, s.state, s.current]), [['dev', 'healthy', true], ['staging', 'healthy', true]]);
  assert.ok(view.stages[1]?.gates.some((g) => g.gate === 'soak' && g.passed));
  const live = await kubeCall(kube, 'GET', `/apis/apps/v1/namespaces/${namespace}/deployments/web`) as { spec: { template: { spec: { containers: { image: string }[] } } }; status: { updatedReplicas?: number; availableReplicas?: number } };
  assert.equal(live.spec.template.spec.containers[0]?.image, 'registry.invalid/web:1.1.0');
  assert.equal(live.status.updatedReplicas, 2);
  assert.equal(live.status.availableReplicas, 2);
});
