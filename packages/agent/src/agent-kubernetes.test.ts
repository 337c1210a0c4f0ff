/** The agent against the real API server: converge, drift by another manager, prune, bad input. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { deploymentManifest, kubeCall, kubeNamespace, kubeRequest, kubeTestEnv, runningAgent, type KubeTestEnv } from '@trueup/testkit';
import { StateStore } from './state-store.ts';

const configMap = (name: string, data: Record<string, string>): string =>
  `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata: ${JSON.stringify(data)}\n`;
const service = `---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: { app: web }
  ports: [{ name: http, port: 80, targetPort: 8080 }]
`;

async function kubeAgent(t: TestContext, files: Record<string, string>, options: { automated?: boolean; extraSpec?: string } = {}) {
  const env = await kubeTestEnv(t);
  if (env === undefined) return undefined;
  const namespace = await kubeNamespace(env, t);
  const running = await runningAgent(t, {
    files,
    destination: `{ kubernetes: { kubeconfig: "${env.kubeconfig}", namespace: ${namespace} } }`,
    ...options,
  });
  return { ...running, env, namespace };
}

async function get(env: KubeTestEnv, path: string): Promise<Record<string, unknown> | undefined> {
  const response = await kubeRequest(env, 'GET', path);
  return response.status === 404 ? undefined : JSON.parse(response.text) as Record<string, unknown>;
}

test('converges plain manifests into the destination namespace, labelled, with its inventory in the cluster', async (t) => {
  const run = await kubeAgent(t, { 'app/config.yaml': configMap('settings', { mode: 'fast' }), 'app/svc.yaml': service });
  if (run === undefined) return;
  const { first, env, namespace } = run;
  assert.equal(first.sync, 'Synced', JSON.stringify(first.error ?? first.resources));
  assert.equal(first.health.status, 'Healthy');
  const settings = await get(env, `/api/v1/namespaces/${namespace}/configmaps/settings`);
  assert.deepEqual(settings?.['data'], { mode: 'fast' });
  const labels = (settings?.['metadata'] as { labels: Record<string, string> }).labels;
  assert.equal(labels['app.kubernetes.io/managed-by'], 'trueup');
  assert.equal(labels['trueup.dev/application'], 'test');
  const inventory = await get(env, `/api/v1/namespaces/${namespace}/configmaps/trueup-inventory-test`);
  assert.deepEqual((inventory?.['data'] as { objects: string }).objects.split('\n'), [`v1/ConfigMap/${namespace}/settings`, `v1/Service/${namespace}/web`]);
});

test('drift by another field manager is healed at once and names the manager', async (t) => {
  const run = await kubeAgent(t, { 'app/config.yaml': configMap('settings', { mode: 'fast' }) });
  if (run === undefined) return;
  const { fixture, env, namespace } = run;
  await kubeCall(env, 'PATCH', `/api/v1/namespaces/${namespace}/configmaps/settings?fieldManager=kubectl-edit`, { data: { mode: 'slow' } }, { contentType: 'application/merge-patch+json' });
  await fixture.waitFor((e) => e.type === 'drift-healed');
  const settings = await get(env, `/api/v1/namespaces/${namespace}/configmaps/settings`);
  assert.deepEqual(settings?.['data'], { mode: 'fast' });
  const store = new StateStore(fixture.stateDir, { readOnly: true });
  const [event] = store.driftEvents('test');
  store.close();
  assert.equal(event?.changedBy, 'kubectl-edit');
  assert.deepEqual(event?.fields, ['data.mode']);
});

test('a deleted object comes back; an object removed from Git is pruned', async (t) => {
  const run = await kubeAgent(t, { 'app/config.yaml': configMap('settings', { mode: 'fast' }), 'app/svc.yaml': service });
  if (run === undefined) return;
  const { fixture, agent, env, namespace } = run;
  await kubeCall(env, 'DELETE', `/api/v1/namespaces/${namespace}/configmaps/settings`);
  await fixture.waitFor((e) => e.type === 'drift-healed');
  assert.ok(await get(env, `/api/v1/namespaces/${namespace}/configmaps/settings`) !== undefined);
  await fixture.commit({ 'app/svc.yaml': null });
  const status = await agent.refresh('test');
  assert.equal(status?.sync, 'Synced', JSON.stringify(status?.error));
  assert.equal(await get(env, `/api/v1/namespaces/${namespace}/services/web`), undefined);
  assert.ok(await get(env, `/api/v1/namespaces/${namespace}/configmaps/settings`) !== undefined);
});

test('detect only: a change in Git shows OutOfSync with a diff and changes nothing', async (t) => {
  const run = await kubeAgent(t, { 'app/config.yaml': configMap('settings', { mode: 'fast' }) }, { automated: false });
  if (run === undefined) return;
  const { first, fixture, agent, env, namespace } = run;
  assert.equal(first.sync, 'OutOfSync');
  assert.equal(await get(env, `/api/v1/namespaces/${namespace}/configmaps/settings`), undefined);
  await fixture.commit({ 'app/config.yaml': configMap('settings', { mode: 'slow' }) });
  const status = await agent.refresh('test');
  assert.equal(status?.sync, 'OutOfSync');
  assert.match(status?.resources[0]?.diff ?? '', /\+\s+mode: slow/);
});

test('an unknown kind stalls the application with file and line, and changes nothing', async (t) => {
  const run = await kubeAgent(t, { 'app/config.yaml': configMap('settings', { mode: 'fast' }) });
  if (run === undefined) return;
  const { fixture, agent, env, namespace } = run;
  await fixture.commit({
    'app/config.yaml': configMap('settings', { mode: 'slow' }),
    'app/widget.yaml': '---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n',
  });
  const status = await agent.refresh('test');
  assert.equal(status?.error?.code, 'KUBE_KIND_UNKNOWN');
  assert.equal(status?.error?.file, 'app/widget.yaml');
  assert.equal(status?.error?.line, 2);
  assert.ok(status?.conditions.some((c) => c.type === 'Stalled' && c.status === 'True'));
  const settings = await get(env, `/api/v1/namespaces/${namespace}/configmaps/settings`);
  assert.deepEqual(settings?.['data'], { mode: 'fast' });
});

test('ignoreDifferences by manager keeps a field another controller owns from counting as drift', async (t) => {
  const run = await kubeAgent(t, { 'app/config.yaml': configMap('settings', { mode: 'fast', replicas: '1' }) }, {
    extraSpec: '  ignoreDifferences:\n    - { kind: ConfigMap, name: settings, managedFieldsManagers: [scaler] }\n',
  });
  if (run === undefined) return;
  const { fixture, agent, env, namespace } = run;
  await kubeCall(env, 'PATCH', `/api/v1/namespaces/${namespace}/configmaps/settings?fieldManager=scaler`, { data: { replicas: '3' } }, { contentType: 'application/merge-patch+json' });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const status = await agent.refresh('test');
  assert.equal(status?.sync, 'Synced', status?.resources[0]?.diff);
  assert.equal(fixture.events.filter((e) => e.type === 'drift-healed').length, 0);
});

test('a controller that keeps changing a field back is Fighting, and the message gives the ignoreDifferences entry', async (t) => {
  const run = await kubeAgent(t, { 'app/config.yaml': configMap('settings', { replicas: '1' }) });
  if (run === undefined) return;
  const { fixture, agent, env, namespace } = run;
  const path = `/api/v1/namespaces/${namespace}/configmaps/settings?fieldManager=autoscaler`;
  let fighting = false;
  for (let round = 0; round < 40 && !fighting; round++) {
    await kubeCall(env, 'PATCH', path, { data: { replicas: String(3 + round) } }, { contentType: 'application/merge-patch+json' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    fighting = agent.applications()[0]?.conditions.some((c) => c.type === 'Fighting' && c.status === 'True') === true;
  }
  assert.ok(fighting, 'the application should be Fighting');
  assert.ok(fixture.events.some((e) => e.type === 'heal-deferred'), 'self-heal backs off');
  const message = agent.applications()[0]?.conditions.find((c) => c.type === 'Fighting')?.message ?? '';
  assert.match(message, /ConfigMap\/settings/);
  assert.match(message, /managedFieldsManagers:\s*\n\s*- autoscaler/);
});

test('health follows the cluster between passes: a Deployment turns Healthy from its status updates, with no other pass', async (t) => {
  const zone = `zone.trueup.dev/${randomBytes(4).toString('hex')}`;
  const deployment = deploymentManifest({ image: 'registry.invalid/trueup/web:1', podSpec: [`nodeSelector: { "${zone}": "yes" }`] });
  const run = await kubeAgent(t, { 'app/web.yaml': deployment });
  if (run === undefined) return;
  const { first, fixture, env } = run;
  // No node carries the label yet: the pod cannot be scheduled, so the Deployment cannot be ready.
  assert.equal(first.health.status, 'Progressing', JSON.stringify(first.resources));
  const nodePath = `/api/v1/nodes/${env.nodeName}`;
  const label = (value: string | null) => kubeCall(env, 'PATCH', nodePath, { metadata: { labels: { [zone]: value } } }, { contentType: 'application/merge-patch+json' });
  t.after(async () => void (await label(null).catch(() => undefined)));
  await label('yes');
  const changed = await fixture.waitFor((e) => e.type === 'health-changed' && e.status.health.status === 'Healthy', 60_000);
  assert.equal(changed.type === 'health-changed' && changed.status.sync, 'Synced');
  assert.equal(fixture.events.filter((e) => e.type === 'pass-started').length, 1, 'no pass ran after the first');
});

test('an object whose annotation forbids its prune stays when Git drops it, and the status says why', async (t) => {
  const kept = '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\n  annotations: { argocd.argoproj.io/sync-options: Prune=false }\ndata: { a: "1" }\n';
  const run = await kubeAgent(t, { 'app/kept.yaml': kept, 'app/config.yaml': configMap('settings', { mode: 'fast' }), 'app/svc.yaml': service });
  if (run === undefined) return;
  const { fixture, agent, env, namespace } = run;
  await fixture.commit({ 'app/kept.yaml': null, 'app/svc.yaml': null });
  const status = await agent.refresh('test');
  assert.equal(await get(env, `/api/v1/namespaces/${namespace}/services/web`), undefined, 'pruned');
  assert.ok(await get(env, `/api/v1/namespaces/${namespace}/configmaps/kept`) !== undefined, 'kept');
  assert.equal(status?.sync, 'OutOfSync');
  assert.match(status?.conditions.find((c) => c.type === 'Ready')?.message ?? '', /not pruned, as their annotation asks: ConfigMap\/kept/);
});
