/** App of apps: Applications declared in Git are run by the agent, on the parent's cluster. */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { agentFixture, kubeCall, kubeNamespace } from '@trueup/testkit';
import type { AgentEvent } from './events.ts';
import { runOnce } from './run-once.ts';
import { getObject, kubeAgent, kubeEnv, waitForStatus } from './testing.ts';

const configMap = (name: string, value: string): string => `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata: { value: "${value}" }\n`;

function ours(name: string, repoURL: string, path: string, namespace: string): string {
  return `---
apiVersion: trueup.dev/v1alpha1
kind: Application
metadata: { name: ${name} }
spec:
  source: { repoURL: "${repoURL}", ref: main, path: ${path} }
  destination: { kubernetes: { namespace: ${namespace} } }
  syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: [CreateNamespace=true] }
`;
}

function argo(name: string, repoURL: string, path: string, namespace: string): string {
  return `---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: ${name}, namespace: argocd }
spec:
  project: default
  source: { repoURL: "${repoURL}", targetRevision: main, path: ${path} }
  destination: { server: "https://kubernetes.default.svc", namespace: ${namespace} }
  syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: [CreateNamespace=true] }
`;
}

/** An agent on a cluster whose parent application `test` has folders web and api, and two namespaces for children (deleted afterwards). */
async function parentOfWebAndApi(t: TestContext) {
  const run = await kubeAgent(t, { 'app/root.yaml': configMap('root', 'r'), 'web/cm.yaml': configMap('web', 'w1'), 'api/cm.yaml': configMap('api', 'a1') });
  if (run === undefined) return undefined;
  const [webNs, apiNs] = [`${run.namespace}-web`, `${run.namespace}-api`];
  t.after(async () => {
    for (const ns of [webNs, apiNs]) await kubeCall(run.env, 'DELETE', `/api/v1/namespaces/${ns}`).catch(() => undefined);
  });
  return { ...run, webNs, apiNs };
}

test('Applications in Git (ours and Argo CD\'s) are started, replaced when changed, and stopped when removed', async (t) => {
  const run = await parentOfWebAndApi(t);
  if (run === undefined) return;
  const { fixture, agent, env, webNs, apiNs } = run;
  await fixture.commit({ 'app/children.yaml': ours('web', fixture.repoURL, 'web', webNs) + argo('api', fixture.repoURL, 'api', apiNs) });
  await agent.refresh('test');
  await waitForStatus(agent, (s) => s.sync === 'Synced', 'web synced', 30_000, 'web');
  await waitForStatus(agent, (s) => s.sync === 'Synced', 'api synced', 30_000, 'api');
  assert.deepEqual((await getObject(env, `/api/v1/namespaces/${webNs}/configmaps/web`))?.['data'], { value: 'w1' });
  assert.deepEqual((await getObject(env, `/api/v1/namespaces/${apiNs}/configmaps/api`))?.['data'], { value: 'a1' });
  // Listed as the parent's resources with their sync and health, never applied to the cluster.
  const parent = await waitForStatus(agent, (s) => s.resources.filter((r) => r.kind === 'Application' && r.health.status === 'Healthy').length === 2, 'children listed Healthy');
  assert.deepEqual(parent.resources.filter((r) => r.kind === 'Application').map((r) => `${r.apiVersion} ${r.name} ${r.sync}`), ['trueup.dev/v1alpha1 web Synced', 'argoproj.io/v1alpha1 api Synced']);
  assert.equal(parent.sync, 'Synced');

  await fixture.commit({ 'app/children.yaml': ours('web', fixture.repoURL, 'api', webNs) });
  await agent.refresh('test');
  await waitForStatus(agent, (s) => s.sync === 'Synced' && s.resources.some((r) => r.name === 'api'), 'web now deploys the api folder', 30_000, 'web');
  assert.equal(agent.applications().some((s) => s.name === 'api'), false, 'a child removed from Git is no longer run');
  assert.deepEqual((await getObject(env, `/api/v1/namespaces/${apiNs}/configmaps/api`))?.['data'], { value: 'a1' }, 'what it deployed stays');
});

test('one child using a config management plugin fails alone: the parent and the other children sync, the bad child shows its own error', async (t) => {
  const run = await parentOfWebAndApi(t);
  if (run === undefined) return;
  const { fixture, agent, env, namespace, webNs, apiNs } = run;
  const plugin = argo('cmp', fixture.repoURL, 'web', namespace).replace('path: web }', 'path: web, plugin: { name: tanka } }');
  await fixture.commit({ 'app/children.yaml': argo('web', fixture.repoURL, 'web', webNs) + plugin + argo('api', fixture.repoURL, 'api', apiNs) });
  const parentPass = await agent.refresh('test');
  assert.equal(parentPass?.error, undefined, JSON.stringify(parentPass?.error));
  await waitForStatus(agent, (s) => s.sync === 'Synced', 'web synced', 30_000, 'web');
  await waitForStatus(agent, (s) => s.sync === 'Synced', 'api synced', 30_000, 'api');
  assert.deepEqual((await getObject(env, `/api/v1/namespaces/${apiNs}/configmaps/api`))?.['data'], { value: 'a1' });
  const bad = agent.applications().find((s) => s.name === 'cmp');
  assert.equal(bad?.error?.code, 'API_FIELD_INVALID');
  assert.equal(bad?.error?.field, 'spec.source.plugin');
  assert.equal(bad?.error?.file, 'app/children.yaml');
  assert.match(bad?.error?.message ?? '', /config management plugins are not supported/);
  assert.equal(bad?.sync, 'Unknown');
  const parent = await waitForStatus(agent, (s) => s.resources.filter((r) => r.kind === 'Application' && r.health.status === 'Healthy').length === 2, 'children listed');
  assert.equal(parent.sync, 'Synced');
  assert.equal(parent.error, undefined);
  assert.deepEqual(parent.resources.filter((r) => r.kind === 'Application').map((r) => `${r.name} ${r.sync} ${r.health.status}`), ['web Synced Healthy', 'cmp Synced Degraded', 'api Synced Healthy']);
  assert.match(parent.resources.find((r) => r.name === 'cmp')?.health.message ?? '', /config management plugins are not supported/);

  // Fixed in Git: the child runs.
  await fixture.commit({ 'app/children.yaml': argo('web', fixture.repoURL, 'web', webNs) + argo('cmp', fixture.repoURL, 'web', namespace) + argo('api', fixture.repoURL, 'api', apiNs) });
  await agent.refresh('test');
  await waitForStatus(agent, (s) => s.sync === 'Synced' && s.error === undefined, 'cmp synced', 30_000, 'cmp');
});

test('an Application in Git naming its own kubeconfig stalls the parent and starts nothing', async (t) => {
  const run = await kubeAgent(t, { 'app/root.yaml': configMap('root', 'r') });
  if (run === undefined) return;
  const { fixture, agent, namespace } = run;
  const evil = ours('evil', fixture.repoURL, 'app', namespace).replace(`kubernetes: { namespace: ${namespace} }`, `kubernetes: { namespace: ${namespace}, kubeconfig: /root/.kube/config }`);
  await fixture.commit({ 'app/children.yaml': evil });
  const status = await agent.refresh('test');
  assert.equal(status?.error?.code, 'AGENT_CHILD_APPLICATION_REFUSED');
  assert.equal(status?.error?.file, 'app/children.yaml');
  assert.equal(agent.applications().some((s) => s.name === 'evil'), false);
});

test('a one-off pass (trueup sync) runs the Applications Git declares after their parent; a child taking a used name is reported, not run', async (t) => {
  const env = await kubeEnv(t);
  if (env === undefined) return;
  const namespace = await kubeNamespace(env, t);
  const fixture = await agentFixture({ files: { 'app/root.yaml': configMap('root', 'r'), 'web/cm.yaml': configMap('web', 'w1') }, destination: `{ kubernetes: { kubeconfig: "${env.kubeconfig}", namespace: ${namespace} } }` });
  const webNs = `${namespace}-web`;
  t.after(async () => {
    await kubeCall(env, 'DELETE', `/api/v1/namespaces/${webNs}`).catch(() => undefined);
    await fixture.cleanup();
  });
  await fixture.commit({ 'app/children.yaml': ours('web', fixture.repoURL, 'web', webNs) + ours('test', fixture.repoURL, 'web', webNs) });
  const events: AgentEvent[] = [];
  const statuses = await runOnce({ stateDir: fixture.stateDir, paths: [fixture.appFile], mode: 'apply', onEvent: (event) => events.push(event) });
  assert.deepEqual(statuses.map((s) => `${s.name} ${s.sync}`), ['test Synced', 'web Synced'], JSON.stringify(statuses.map((s) => s.error)));
  assert.deepEqual((await getObject(env, `/api/v1/namespaces/${webNs}/configmaps/web`))?.['data'], { value: 'w1' });
  const refused = events.find((e) => e.type === 'error');
  assert.match(refused?.type === 'error' ? refused.message : '', /Application "test" from \S+app\.yaml → app\/children\.yaml is not run: another application has that name/);
});

test('a child removed from Git goes with its objects when it and its parent prune (Argo CD: with its resources finalizer); an empty render removes nothing', async (t) => {
  const run = await parentOfWebAndApi(t);
  if (run === undefined) return;
  const { fixture, agent, env, webNs, apiNs } = run;
  const finalized = argo('api', fixture.repoURL, 'api', apiNs).replace('namespace: argocd }', 'namespace: argocd, finalizers: [resources-finalizer.argocd.argoproj.io] }');
  await fixture.commit({ 'app/children.yaml': ours('web', fixture.repoURL, 'web', webNs) + finalized });
  await agent.refresh('test');
  await waitForStatus(agent, (s) => s.sync === 'Synced', 'web synced', 30_000, 'web');
  await waitForStatus(agent, (s) => s.sync === 'Synced', 'api synced', 30_000, 'api');

  // The parent's folder holds nothing any more: doubt, not removal.
  await fixture.commit({ 'app/root.yaml': null, 'app/children.yaml': null, 'app/empty.yaml': '# nothing declared\n' });
  const emptied = await agent.refresh('test');
  assert.equal(emptied?.error, undefined, 'rendered, and empty');
  await new Promise((resolve) => setTimeout(resolve, 1000)); // a removal would be under way by now
  assert.deepEqual(agent.applicationNames().sort(), ['api', 'test', 'web']);
  assert.notEqual(await getObject(env, `/api/v1/namespaces/${webNs}/configmaps/web`), undefined);

  // Removed for real: both go with their objects.
  await fixture.commit({ 'app/root.yaml': configMap('root', 'r'), 'app/empty.yaml': null });
  await agent.refresh('test');
  for (const path of [`/api/v1/namespaces/${webNs}/configmaps/web`, `/api/v1/namespaces/${apiNs}/configmaps/api`]) {
    for (const deadline = Date.now() + 60_000; await getObject(env, path) !== undefined;) {
      assert.ok(Date.now() < deadline, `${path} pruned`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  assert.deepEqual(agent.applicationNames(), ['test']);
});
