/**
 * The agent syncing real repositories into the real API server: a Kustomize overlay and a Helm
 * chart that converge to Synced and Healthy, waves and hooks in order, a CRD with its custom
 * resource, and a destination namespace created on demand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kubeRequest } from '@trueup/testkit';
import { brief, getObject, historyOf, hookJob, isSyncedAndHealthy, kubeAgent, kubeEnv, waitForStatus } from './testing.ts';

const deployment = (name: string, image: string, extra = ''): string => `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 1
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - name: main
          image: ${image}
${extra}`;

const kustomizeFiles: Record<string, string> = {
  'base/kustomization.yaml': 'resources: [deployment.yaml, service.yaml, config.yaml]\n',
  'base/deployment.yaml': deployment('web', 'registry.local/web:1.0.0', '          envFrom: [{ configMapRef: { name: settings } }]\n'),
  'base/service.yaml': '---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: { app: web }\n  ports: [{ port: 80, targetPort: 8080 }]\n',
  'base/config.yaml': '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata: { mode: fast }\n',
  'app/kustomization.yaml': 'resources: [../base]\nnamePrefix: prod-\nimages: [{ name: registry.local/web, newTag: 2.0.0 }]\n',
};

test('a Kustomize overlay converges to Synced and Healthy, and a second pass changes nothing', async (t) => {
  const run = await kubeAgent(t, kustomizeFiles);
  if (run === undefined) return;
  const { agent, env, namespace, fixture } = run;
  assert.equal(run.first.error, undefined, JSON.stringify(brief(run.first)));
  const status = await waitForStatus(agent, isSyncedAndHealthy, 'Synced and Healthy');
  assert.deepEqual(status.resources.map((r) => `${r.kind}/${r.name}`).sort(), ['ConfigMap/prod-settings', 'Deployment/prod-web', 'Service/prod-web']);
  const web = await getObject(env, `/apis/apps/v1/namespaces/${namespace}/deployments/prod-web`);
  const pod = (web?.['spec'] as { template: { spec: { containers: Array<{ image: string; envFrom: unknown }> } } }).template.spec.containers[0];
  assert.equal(pod?.image, 'registry.local/web:2.0.0');
  assert.deepEqual(pod?.envFrom, [{ configMapRef: { name: 'prod-settings' } }]);
  assert.equal((web?.['status'] as { availableReplicas?: number }).availableReplicas, 1);
  assert.equal(await getObject(env, `/api/v1/namespaces/${namespace}/configmaps/settings`), undefined);

  const historyBefore = historyOf(fixture.stateDir).length;
  const second = await agent.refresh('test');
  assert.equal(second?.sync, 'Synced', JSON.stringify(brief(second)));
  assert.equal(second?.health.status, 'Healthy');
  const finished = fixture.events.filter((e) => e.type === 'pass-finished').at(-1);
  assert.equal(finished?.type === 'pass-finished' ? finished.changed : undefined, 0);
  assert.equal(historyOf(fixture.stateDir).length, historyBefore);
});

const chart = (): Record<string, string> => ({
  'app/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'app/values.yaml': 'replicas: 1\nimage: registry.local/web:1.0.0\ngreeting: hello\nmode: slow\n',
  'app/values-prod.yaml': 'mode: fast\n',
  'app/templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
  labels: { app.kubernetes.io/name: web, helm.sh/chart: "{{ .Chart.Name }}-{{ .Chart.Version }}" }
spec:
  replicas: {{ .Values.replicas }}
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: main
          image: {{ .Values.image }}
          ports: [{ containerPort: 8080 }]
          resources: {}
`,
  'app/templates/config.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
data:
  greeting: {{ .Values.greeting | quote }}
  mode: {{ .Values.mode | quote }}
  tier: {{ .Values.tier | quote }}
`,
});

test('a Helm chart with value files and inline values converges, follows a change in Git, and never shows defaults as OutOfSync', async (t) => {
  const run = await kubeAgent(t, chart(), { extraSource: 'helm: { valueFiles: [values-prod.yaml], values: "tier: gold" }' });
  if (run === undefined) return;
  const { agent, env, namespace, fixture } = run;
  assert.equal(run.first.error, undefined, JSON.stringify(brief(run.first)));
  await waitForStatus(agent, isSyncedAndHealthy, 'Synced and Healthy');
  const settings = await getObject(env, `/api/v1/namespaces/${namespace}/configmaps/test-settings`);
  assert.deepEqual(settings?.['data'], { greeting: 'hello', mode: 'fast', tier: 'gold' });

  await fixture.commit({ 'app/values.yaml': 'replicas: 1\nimage: registry.local/web:1.1.0\ngreeting: bonjour\nmode: slow\n' });
  const changed = await agent.refresh('test');
  assert.equal(changed?.error, undefined, JSON.stringify(brief(changed)));
  assert.equal(changed?.sync, 'Synced', JSON.stringify(brief(changed)));
  assert.deepEqual((await getObject(env, `/api/v1/namespaces/${namespace}/configmaps/test-settings`))?.['data'], { greeting: 'bonjour', mode: 'fast', tier: 'gold' });
  const web = await getObject(env, `/apis/apps/v1/namespaces/${namespace}/deployments/test-web`);
  assert.equal((web?.['spec'] as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0]?.image, 'registry.local/web:1.1.0');
  await waitForStatus(agent, isSyncedAndHealthy, 'Healthy after the change');

  // Server defaults (strategy, terminationGracePeriodSeconds, protocol, imagePullPolicy…) never count.
  const again = await agent.refresh('test');
  assert.equal(again?.sync, 'Synced', JSON.stringify(brief(again)));
  assert.ok(again?.resources.every((r) => r.sync === 'Synced' && r.diff === undefined), JSON.stringify(brief(again)));
  assert.equal(fixture.events.filter((e) => e.type === 'drift-detected').length, 0);
});

const waveConfigMap = (name: string, wave: number): string =>
  `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  annotations: { argocd.argoproj.io/sync-wave: "${wave}" }\ndata: { wave: "${wave}" }\n`;
test('waves run in order with a PreSync hook before them and a PostSync hook after, hooks stay out of the inventory and do not rerun', async (t) => {
  const run = await kubeAgent(t, {
    'app/early.yaml': waveConfigMap('early', -1),
    'app/middle.yaml': waveConfigMap('middle', 0),
    'app/late.yaml': waveConfigMap('late', 1),
    'app/web.yaml': deployment('web', 'registry.local/web:1.0.0'),
    'app/migrate.yaml': hookJob('migrate', 'PreSync'),
    'app/smoke.yaml': hookJob('smoke', 'PostSync', 'HookSucceeded'),
  });
  if (run === undefined) return;
  const { agent, env, namespace, fixture, first } = run;
  assert.equal(first.error, undefined, JSON.stringify(brief(first)));
  assert.equal(first.sync, 'Synced', JSON.stringify(brief(first)));
  const ns = `/api/v1/namespaces/${namespace}`;
  const version = async (path: string): Promise<bigint> => BigInt((await getObject(env, path))?.metadata.resourceVersion ?? '0');

  // The pass's changes, in the order they were made.
  const [entry] = historyOf(fixture.stateDir);
  assert.deepEqual(entry?.changes.map((c) => `${c.action} ${c.key.kind}/${c.key.name}${c.error === undefined ? '' : ` ${c.error}`}`), [
    'create Job/migrate', 'create ConfigMap/early', 'create ConfigMap/middle', 'create Deployment/web', 'create ConfigMap/late', 'create Job/smoke', 'delete Job/smoke',
  ]);
  // resourceVersions grow with every write to etcd: the PreSync job was finished before wave 0 began.
  const migrate = await getObject(env, `/apis/batch/v1/namespaces/${namespace}/jobs/migrate`);
  assert.ok((migrate?.['status'] as { succeeded?: number }).succeeded === 1, JSON.stringify(migrate?.['status']));
  const early = await version(`${ns}/configmaps/early`);
  const middle = await version(`${ns}/configmaps/middle`);
  const late = await version(`${ns}/configmaps/late`);
  assert.ok(BigInt(migrate?.metadata.resourceVersion ?? '0') < early, 'the PreSync job completed before wave -1');
  assert.ok(early < middle && middle < late, `waves out of order: ${early} ${middle} ${late}`);
  // The PostSync job ran (its change is in the history) and was deleted on success.
  assert.equal(await getObject(env, `/apis/batch/v1/namespaces/${namespace}/jobs/smoke`), undefined);

  const inventory = await getObject(env, `${ns}/configmaps/trueup-inventory-test`);
  assert.deepEqual((inventory?.['data'] as { objects: string }).objects.split('\n'), [
    `apps/v1/Deployment/${namespace}/web`, `v1/ConfigMap/${namespace}/early`, `v1/ConfigMap/${namespace}/late`, `v1/ConfigMap/${namespace}/middle`,
  ]);
  const status = await waitForStatus(agent, isSyncedAndHealthy, 'Synced and Healthy');
  assert.deepEqual(status.resources.map((r) => `${r.kind}/${r.name}`).sort(), ['ConfigMap/early', 'ConfigMap/late', 'ConfigMap/middle', 'Deployment/web']);

  // Nothing to change: no hook runs again.
  const again = await agent.refresh('test');
  assert.equal(again?.sync, 'Synced', JSON.stringify(brief(again)));
  assert.equal(historyOf(fixture.stateDir).length, 1);
  const migrateAfter = await getObject(env, `/apis/batch/v1/namespaces/${namespace}/jobs/migrate`);
  assert.equal(migrateAfter?.metadata.uid, migrate?.metadata.uid);
  assert.equal(await getObject(env, `/apis/batch/v1/namespaces/${namespace}/jobs/smoke`), undefined);

  // A change in Git is a sync: the hooks run again, the old PreSync job replaced by a new one.
  await fixture.commit({ 'app/middle.yaml': waveConfigMap('middle', 0).replace('{ wave: "0" }', '{ wave: "zero" }') });
  const changed = await agent.refresh('test');
  assert.equal(changed?.error, undefined, JSON.stringify(brief(changed)));
  assert.deepEqual(historyOf(fixture.stateDir).at(-1)?.changes.map((c) => `${c.action} ${c.key.kind}/${c.key.name}`), [
    'create Job/migrate', 'update ConfigMap/middle', 'create Job/smoke', 'delete Job/smoke',
  ]);
  const rerun = await getObject(env, `/apis/batch/v1/namespaces/${namespace}/jobs/migrate`);
  assert.notEqual(rerun?.metadata.uid, migrate?.metadata.uid);
  assert.ok(BigInt(rerun?.metadata.resourceVersion ?? '0') < await version(`${ns}/configmaps/middle`), 'the new PreSync job completed before wave 0 changed');
});

test('a CustomResourceDefinition and a resource of its kind in the same commit converge', async (t) => {
  const suffix = Math.random().toString(16).slice(2, 10);
  const group = `t${suffix}.trueup.dev`;
  const env = await kubeEnv(t);
  if (env === undefined) return;
  const run = await kubeAgent(t, {
    'app/crd.yaml': `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.${group}
spec:
  group: ${group}
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget, listKind: WidgetList }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: { type: object, properties: { size: { type: integer, default: 1 }, color: { type: string } } }
`,
    'app/widget.yaml': `apiVersion: ${group}/v1\nkind: Widget\nmetadata:\n  name: blue\nspec: { color: blue }\n`,
  });
  if (run === undefined) return;
  // After the agent stopped (after hooks run in order), or it would put the CRD back.
  t.after(async () => void (await kubeRequest(env, 'DELETE', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${group}`).catch(() => undefined)));
  const { first, namespace, agent } = run;
  assert.equal(first.error, undefined, JSON.stringify(brief(first)));
  assert.equal(first.sync, 'Synced', JSON.stringify(brief(first)));
  assert.equal(first.health.status, 'Healthy', JSON.stringify(brief(first)));
  const widget = await getObject(env, `/apis/${group}/v1/namespaces/${namespace}/widgets/blue`);
  assert.deepEqual(widget?.['spec'], { color: 'blue', size: 1 });
  const again = await agent.refresh('test');
  assert.equal(again?.sync, 'Synced', JSON.stringify(brief(again)));
  assert.deepEqual(again?.resources.map((r) => `${r.kind}/${r.name}`), [`CustomResourceDefinition/widgets.${group}`, 'Widget/blue']);
});

test('CreateNamespace=true creates a destination namespace that does not exist yet, with managedNamespaceMetadata', async (t) => {
  const env = await kubeEnv(t);
  if (env === undefined) return;
  const namespace = `created-${Math.random().toString(16).slice(2, 10)}`;
  const extraSyncPolicy = '    syncOptions: [CreateNamespace=true]\n    managedNamespaceMetadata: { labels: { team: shop }, annotations: { owner: ops } }\n';
  const run = await kubeAgent(t, { 'app/config.yaml': waveConfigMap('settings', 0) }, { namespace, extraSyncPolicy });
  if (run === undefined) return;
  t.after(async () => void (await kubeRequest(env, 'DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined)));
  assert.equal(run.first.error, undefined, JSON.stringify(brief(run.first)));
  assert.equal(run.first.sync, 'Synced', JSON.stringify(brief(run.first)));
  const created = await getObject(env, `/api/v1/namespaces/${namespace}`);
  assert.equal(created?.metadata.labels?.['team'], 'shop');
  assert.equal(created?.metadata.annotations?.['owner'], 'ops');
  assert.deepEqual((await getObject(env, `/api/v1/namespaces/${namespace}/configmaps/settings`))?.['data'], { wave: '0' });
  const inventory = await getObject(env, `/api/v1/namespaces/${namespace}/configmaps/trueup-inventory-test`);
  assert.equal((inventory?.['data'] as { objects: string }).objects, `v1/ConfigMap/${namespace}/settings`);
  const again = await run.agent.refresh('test');
  assert.equal(again?.sync, 'Synced', JSON.stringify(brief(again)));
});

test('without CreateNamespace a missing destination namespace fails the pass and names it', async (t) => {
  const env = await kubeEnv(t);
  if (env === undefined) return;
  const namespace = `absent-${Math.random().toString(16).slice(2, 10)}`;
  const run = await kubeAgent(t, { 'app/config.yaml': waveConfigMap('settings', 0) }, { namespace });
  if (run === undefined) return;
  assert.equal(run.first.error?.code, 'AGENT_APPLY_FAILED', JSON.stringify(brief(run.first)));
  assert.match(run.first.error?.message ?? '', new RegExp(`^app/config.yaml:2: ConfigMap/${namespace}/settings: .*namespaces "${namespace}" not found`), run.first.error?.message);
  assert.equal(await getObject(env, `/api/v1/namespaces/${namespace}`), undefined);
});
