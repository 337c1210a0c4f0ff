/**
 * The agent syncing into the real API server, continued: an Argo CD Application file as it is,
 * render failures that stall and change nothing, and an immutable field changed in Git.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { agentFixture, kubeCall, kubeNamespace } from '@trueup/testkit';
import { startAgent } from './agent.ts';
import { brief, getObject, isSyncedAndHealthy, kubeAgent, kubeEnv, waitForStatus } from './testing.ts';

const configMap = (name: string, data: Record<string, string>): string =>
  `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata: ${JSON.stringify(data)}\n`;
const deployment = (name: string, selector: string, annotations = ''): string => `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}${annotations === '' ? '' : `\n  annotations: ${annotations}`}
spec:
  replicas: 1
  selector: { matchLabels: { app: ${selector} } }
  template:
    metadata: { labels: { app: ${selector} } }
    spec:
      containers: [{ name: main, image: registry.local/web:1.0.0 }]
`;

test('an Argo CD Application file runs unchanged: automated prune and self-heal, sync options, ignoreDifferences respected by a sync', async (t) => {
  const env = await kubeEnv(t);
  if (env === undefined) return;
  const namespace = await kubeNamespace(env, t);
  const fixture = await agentFixture({
    files: { 'deploy/web.yaml': deployment('web', 'web'), 'deploy/config.yaml': configMap('settings', { mode: 'fast' }), 'deploy/old.yaml': configMap('old', { gone: 'soon' }) },
  });
  const argoFile = join(fixture.dir, 'argo-app.yaml');
  await writeFile(argoFile, `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  namespace: argocd
  finalizers: [resources-finalizer.argocd.argoproj.io]
spec:
  project: default
  source:
    repoURL: ${fixture.repoURL}
    targetRevision: main
    path: deploy
  destination:
    server: https://kubernetes.default.svc
    namespace: ${namespace}
  syncPolicy:
    automated:
      prune: true
      selfHeal: true
    syncOptions:
      - CreateNamespace=true
      - ApplyOutOfSyncOnly=true
      - RespectIgnoreDifferences=true
  ignoreDifferences:
    - group: apps
      kind: Deployment
      jsonPointers: [/spec/replicas]
    - group: apps
      kind: Deployment
      jqPathExpressions:
        - .spec.template.spec.containers[] | select(.name == "main") | .image
`);
  const saved = process.env['KUBECONFIG'];
  process.env['KUBECONFIG'] = env.kubeconfig;
  let agent;
  try {
    agent = await startAgent({ stateDir: fixture.stateDir, paths: [argoFile], onEvent: (e) => fixture.onEvent(e) });
  } finally {
    if (saved === undefined) delete process.env['KUBECONFIG'];
    else process.env['KUBECONFIG'] = saved;
  }
  const started = agent;
  t.after(async () => {
    await started.stop();
    await fixture.cleanup();
  });
  const status = await waitForStatus(agent, isSyncedAndHealthy, 'Synced and Healthy', 60_000, 'web');
  assert.equal(status.revision, (await fixture.work.git('rev-parse', 'HEAD')).trim());
  assert.deepEqual((await getObject(env, `/api/v1/namespaces/${namespace}/configmaps/settings`))?.['data'], { mode: 'fast' });

  // Another manager scales the Deployment, an image updater moves its image: both ignored (a
  // JSON pointer, a jq path), so neither drift nor OutOfSync.
  await kubeCall(env, 'PATCH', `/apis/apps/v1/namespaces/${namespace}/deployments/web?fieldManager=hpa`, { spec: { replicas: 2 } }, { contentType: 'application/merge-patch+json' });
  await kubeCall(env, 'PATCH', `/apis/apps/v1/namespaces/${namespace}/deployments/web?fieldManager=image-updater`, { spec: { template: { spec: { containers: [{ name: 'main', image: 'registry.local/web:1.0.1' }] } } } }, { contentType: 'application/strategic-merge-patch+json' });
  // Self-heal: a foreign edit of the ConfigMap is reverted.
  await kubeCall(env, 'PATCH', `/api/v1/namespaces/${namespace}/configmaps/settings?fieldManager=kubectl-edit`, { data: { mode: 'slow' } }, { contentType: 'application/merge-patch+json' });
  await fixture.waitFor((e) => e.type === 'drift-healed' && e.key.name === 'settings');
  assert.deepEqual((await getObject(env, `/api/v1/namespaces/${namespace}/configmaps/settings`))?.['data'], { mode: 'fast' });

  // Prune: a file removed from Git goes from the cluster. The Deployment changes in Git too: its
  // sync keeps the ignored replicas and image (RespectIgnoreDifferences).
  await fixture.commit({ 'deploy/old.yaml': null, 'deploy/web.yaml': deployment('web', 'web', '{ team: shop }') });
  const after = await agent.refresh('web');
  assert.equal(after?.sync, 'Synced', JSON.stringify(brief(after)));
  assert.equal(await getObject(env, `/api/v1/namespaces/${namespace}/configmaps/old`), undefined);
  const web = await getObject(env, `/apis/apps/v1/namespaces/${namespace}/deployments/web`);
  assert.equal((web?.['spec'] as { replicas: number }).replicas, 2);
  assert.equal((web?.['spec'] as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]?.image, 'registry.local/web:1.0.1');
  assert.equal((web?.['metadata'] as { annotations: Record<string, string> }).annotations['team'], 'shop', 'the Deployment was applied');
  assert.ok(fixture.events.every((e) => e.type !== 'drift-detected' || e.key.kind !== 'Deployment'), 'the ignored replicas count or image was taken for drift');
});

test('a Kustomize render failure stalls the application with kustomize\'s message and the path, and changes nothing', async (t) => {
  const run = await kubeAgent(t, {
    'app/kustomization.yaml': 'resources: [config.yaml]\n',
    'app/config.yaml': configMap('settings', { mode: 'fast' }),
  });
  if (run === undefined) return;
  const { agent, env, namespace, fixture, first } = run;
  assert.equal(first.sync, 'Synced', JSON.stringify(brief(first)));
  await fixture.commit({ 'app/kustomization.yaml': 'resources: [config.yaml, missing.yaml]\n', 'app/config.yaml': configMap('settings', { mode: 'slow' }) });
  const status = await agent.refresh('test');
  assert.match(status?.error?.code ?? '', /^RENDER_/, JSON.stringify(brief(status)));
  assert.match(status?.error?.message ?? '', /missing\.yaml/);
  assert.match(status?.error?.message ?? '', /\bapp\b/);
  assert.equal(status?.error?.file, 'app');
  assert.ok(status?.conditions.some((c) => c.type === 'Stalled' && c.status === 'True'), JSON.stringify(status?.conditions));
  assert.deepEqual((await getObject(env, `/api/v1/namespaces/${namespace}/configmaps/settings`))?.['data'], { mode: 'fast' });
  assert.ok(await getObject(env, `/api/v1/namespaces/${namespace}/configmaps/trueup-inventory-test`) !== undefined);
});

test('a Helm render failure (a template calling fail) stalls the application with helm\'s message and the path, and changes nothing', async (t) => {
  const run = await kubeAgent(t, {
    'app/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
    'app/values.yaml': 'mode: fast\n',
    'app/templates/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: {{ .Values.mode | quote }}\n',
  });
  if (run === undefined) return;
  const { agent, env, namespace, fixture, first } = run;
  assert.equal(first.sync, 'Synced', JSON.stringify(brief(first)));
  await fixture.commit({
    'app/values.yaml': 'mode: slow\n',
    'app/templates/check.yaml': '{{- fail "the database password must be set" }}\n',
  });
  const status = await agent.refresh('test');
  assert.match(status?.error?.code ?? '', /^RENDER_/, JSON.stringify(brief(status)));
  assert.match(status?.error?.message ?? '', /the database password must be set/);
  assert.match(status?.error?.message ?? '', /\bapp\b/);
  assert.ok(status?.conditions.some((c) => c.type === 'Stalled' && c.status === 'True'), JSON.stringify(status?.conditions));
  assert.deepEqual((await getObject(env, `/api/v1/namespaces/${namespace}/configmaps/settings`))?.['data'], { mode: 'fast' });
});

test('a changed selector fails with KUBE_IMMUTABLE_FIELD naming the object and trueup.dev/replace; with the annotation (or Argo CD\'s Force=true,Replace=true) the Deployment is recreated', async (t) => {
  const run = await kubeAgent(t, { 'app/web.yaml': deployment('web', 'web') });
  if (run === undefined) return;
  const { agent, env, namespace, fixture, first } = run;
  assert.equal(first.sync, 'Synced', JSON.stringify(brief(first)));
  const path = `/apis/apps/v1/namespaces/${namespace}/deployments/web`;
  const before = await getObject(env, path);

  await fixture.commit({ 'app/web.yaml': deployment('web', 'web-v2') });
  const failed = await agent.refresh('test');
  assert.equal(failed?.sync, 'OutOfSync', JSON.stringify(brief(failed)));
  const message = failed?.error?.message ?? '';
  assert.match(message, /KUBE_IMMUTABLE_FIELD/, JSON.stringify(brief(failed)));
  assert.equal(message.split(`Deployment/${namespace}/web`).length, 2, `named once: ${message}`);
  assert.match(message, /trueup\.dev\/replace/);
  assert.equal(failed?.error?.file, 'app/web.yaml');
  assert.ok(failed?.conditions.some((c) => c.type === 'Stalled' && c.status === 'True'), 'only a change in Git can fix it: Stalled, no retries');
  assert.equal((await getObject(env, path))?.metadata.uid, before?.metadata.uid);

  await fixture.commit({ 'app/web.yaml': deployment('web', 'web-v2', '{ trueup.dev/replace: "true" }') });
  const replaced = await agent.refresh('test');
  assert.equal(replaced?.error, undefined, JSON.stringify(brief(replaced)));
  assert.equal(replaced?.sync, 'Synced', JSON.stringify(brief(replaced)));
  const after = await getObject(env, path);
  assert.notEqual(after?.metadata.uid, before?.metadata.uid);
  assert.deepEqual((after?.['spec'] as { selector: unknown }).selector, { matchLabels: { app: 'web-v2' } });
  await waitForStatus(agent, isSyncedAndHealthy, 'Healthy after the replace');

  // Argo CD's way of saying the same: sync options Force=true,Replace=true on the object.
  await fixture.commit({ 'app/web.yaml': deployment('web', 'web-v3', '{ argocd.argoproj.io/sync-options: "Force=true,Replace=true" }') });
  const again = await agent.refresh('test');
  assert.equal(again?.error, undefined, JSON.stringify(brief(again)));
  const third = await getObject(env, path);
  assert.notEqual(third?.metadata.uid, after?.metadata.uid);
  assert.deepEqual((third?.['spec'] as { selector: unknown }).selector, { matchLabels: { app: 'web-v3' } });
});
