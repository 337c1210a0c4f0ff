/**
 * `trueup/deploy` with `application:` on a joined runner, into the real API server: the
 * Application is applied as the agent applies it and waited for until Healthy, with the
 * environment's kubeconfig secret as its only credentials; a job of an environment without that
 * secret is refused; the deployment is in the hub's ledger.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createWorkRepo, kubeNamespace, kubeRequest, kubeTestEnv, requireGit } from '@trueup/testkit';
import { dispatch, finished, hubForRunners, startRunner } from './runner-testing.ts';

test('an Application deployed to Kubernetes by a job with the environment\'s kubeconfig, waited for Healthy and recorded', async (t) => {
  if (!(await requireGit(t))) return;
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const namespace = await kubeNamespace(env, t);
  const setup = await hubForRunners(t);
  const { dir, client } = setup;
  const repo = await createWorkRepo(join(dir, 'repo'));
  const job = (environment: string): string => `
  deploy-${environment}:
    runs-on: linux
    environment: ${environment}
    steps:
      - uses: actions/checkout@v4
      - id: deploy
        uses: trueup/deploy
        with: { application: deploy/web.yaml, timeout: 90s }
      - run: echo "applied \${{ steps.deploy.outputs.revision }} \${{ steps.deploy.outputs.health }}"
`;
  await repo.write({
    'k8s/web.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: main, image: registry.local/web:1.0.0 }] }
`,
    'deploy/web.yaml': `apiVersion: trueup.dev/v1alpha1
kind: Application
metadata: { name: web }
spec:
  source: { repoURL: "file://${repo.dir}", ref: main, path: k8s }
  destination: { kubernetes: { namespace: ${namespace} } }
`,
    '.trueup/workflows/kube.yml': `on: workflow_dispatch
jobs:${job('cluster')}${job('bare')}`,
  });
  const sha = await repo.commit('kube');
  await client.post('/api/v1/secrets', { repository: repo.dir, environment: 'cluster', name: 'KUBECONFIG', value: await readFile(env.kubeconfig, 'utf8') });
  await startRunner(t, dir, 'r1', 'linux');
  const runId = await dispatch(setup, repo.dir, 'kube');
  const done = await finished(client, runId);
  const log = await client.get<string>(`/api/v1/runs/${runId}/jobs/deploy-cluster/log`);
  assert.deepEqual(Object.fromEntries(done.jobs.map((j) => [j.key, j.conclusion])), { 'deploy-cluster': 'success', 'deploy-bare': 'failure' }, log);
  assert.match(log, new RegExp(`applied ${sha} Healthy`));
  const deployment = JSON.parse((await kubeRequest(env, 'GET', `/apis/apps/v1/namespaces/${namespace}/deployments/web`)).text) as { status?: { availableReplicas?: number } };
  assert.equal(deployment.status?.availableReplicas, 1);
  assert.match(await client.get<string>(`/api/v1/runs/${runId}/jobs/deploy-bare/log`), /its credentials come from the environment's kubeconfig secret/);
  const ledger = await client.get<{ items: { environment: string; details: Record<string, unknown> }[] }>('/api/v1/events?kind=deployment&limit=10');
  assert.deepEqual(ledger.items.map((e) => [e.environment, e.details.target, e.details.application, e.details.appliedRevision, e.details.health, e.details.result]), [['cluster', 'application:deploy/web.yaml', 'web', sha, 'Healthy', 'succeeded']]);
});
