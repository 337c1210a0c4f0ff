/**
 * A Flux tree with HelmRepositories (HTTP with credentials from secretRef files, and OCI) and
 * HelmReleases in apps/base with a per-environment overlay patching a release's values, converging
 * on the real API server with the charts served from a loopback chart repository and the
 * distribution registry; valuesFrom reads a ConfigMap of the cluster.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { shortenReleaseName } from '@trueup/api';
import { createServedRepo, createWorkRepo, kubeCall, kubeNamespace, serveHelmRepo, serveOciRegistry, type WorkRepo } from '@trueup/testkit';
import { startAgent, type Agent } from './agent.ts';
import { brief, getObject, kubeEnv, waitForStatus } from './testing.ts';

const template = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
data:
  greeting: {{ .Values.greeting | quote }}
  color: {{ .Values.color | quote }}
  chart: {{ .Chart.Name }}-{{ .Chart.Version }}
`;

/**
 * Commits and pushes the Flux tree, then starts an agent on its `clusters/prod` with KUBECONFIG
 * set to `kubeconfig` (as Flux's controllers have it in the cluster); both undone after the test.
 */
async function pushAndStartAgent(t: TestContext, kubeconfig: string, dir: string, work: WorkRepo, bare: string): Promise<Agent> {
  await work.commit('flux tree');
  await work.git('push', '--quiet', bare, 'main');
  const saved = process.env['KUBECONFIG'];
  process.env['KUBECONFIG'] = kubeconfig;
  const agent = await startAgent({ stateDir: join(dir, 'state'), paths: [join(work.dir, 'clusters/prod')] });
  t.after(async () => {
    await agent.stop();
    if (saved === undefined) delete process.env['KUBECONFIG'];
    else process.env['KUBECONFIG'] = saved;
  });
  return agent;
}

test('HelmReleases from an HTTP and an OCI HelmRepository converge, with overlay patches, values and valuesFrom', async (t) => {
  const env = await kubeEnv(t);
  if (env === undefined) return;
  const helm = join(env.binDir, 'helm');
  const auth = { username: 'reader', password: 'chart-secret' };
  const charts = await serveHelmRepo([{ name: 'web', version: '1.0.0', files: { 'values.yaml': 'greeting: default\ncolor: grey\n', 'templates/cm.yaml': template } }], { helm, auth });
  t.after(() => charts.close());
  const registry = await serveOciRegistry(t, { helm });
  if (registry === undefined) return;
  t.after(() => registry.close());
  await registry.pushChart({ name: 'api', version: '2.0.0', files: { 'values.yaml': 'greeting: api\ncolor: blue\n', 'templates/cm.yaml': template } }, 'charts');

  const [fluxNs, appsNs] = [await kubeNamespace(env, t), await kubeNamespace(env, t)];
  await kubeCall(env, 'POST', `/api/v1/namespaces/${fluxNs}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-values' }, data: { 'values.yaml': 'color: green\n' } });
  const dir = await mkdtemp(join(tmpdir(), 'trueup-flux-helm-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const secrets = join(dir, 'state', 'flux-secrets', fluxNs, 'chart-auth');
  await mkdir(secrets, { recursive: true });
  await writeFile(join(secrets, 'username'), auth.username);
  await writeFile(join(secrets, 'password'), auth.password);

  const bare = await createServedRepo(join(dir, 'repos'), 'fleet.git');
  const work = await createWorkRepo(join(dir, 'work'));
  const meta = (kind: string, api: string, name: string) => `---\napiVersion: ${api}\nkind: ${kind}\nmetadata: { name: ${name}, namespace: ${fluxNs} }\n`;
  const kustomization = (name: string, spec: string) => `${meta('Kustomization', 'kustomize.toolkit.fluxcd.io/v1', name)}spec:\n  interval: 10m\n  prune: true\n  sourceRef: { kind: GitRepository, name: flux-system }\n${spec}`;
  await work.write({
    'clusters/prod/flux-system/gotk-sync.yaml': `${meta('GitRepository', 'source.toolkit.fluxcd.io/v1', 'flux-system')}spec: { interval: 1m, ref: { branch: main }, url: "file://${bare}" }\n${kustomization('flux-system', '  path: ./clusters/prod\n')}`,
    'clusters/prod/infrastructure.yaml': kustomization('infrastructure', '  path: ./infrastructure\n'),
    'clusters/prod/apps.yaml': kustomization('apps', '  path: ./apps/prod\n  dependsOn: [{ name: infrastructure }]\n'),
    'infrastructure/repositories.yaml': `${meta('HelmRepository', 'source.toolkit.fluxcd.io/v1', 'charts')}spec: { interval: 1h, url: "${charts.url}", secretRef: { name: chart-auth } }
${meta('HelmRepository', 'source.toolkit.fluxcd.io/v1', 'oci-charts')}spec: { interval: 1h, type: oci, url: "oci://${registry.host}/charts" }
`,
    'apps/base/kustomization.yaml': 'resources: [web.yaml, api.yaml]\n',
    'apps/base/web.yaml': `${meta('HelmRelease', 'helm.toolkit.fluxcd.io/v2', 'web')}spec:
  interval: 10m
  targetNamespace: ${appsNs}
  releaseName: web
  chart: { spec: { chart: web, version: 1.0.0, sourceRef: { kind: HelmRepository, name: charts } } }
  install: { remediation: { retries: 3 } }
  valuesFrom: [{ kind: ConfigMap, name: web-values }]
  values: { greeting: base }
`,
    'apps/base/api.yaml': `${meta('HelmRelease', 'helm.toolkit.fluxcd.io/v2', 'api')}spec:
  interval: 10m
  targetNamespace: ${appsNs}
  chart: { spec: { chart: api, version: 2.0.0, sourceRef: { kind: HelmRepository, name: oci-charts } } }
`,
    'apps/prod/kustomization.yaml': `resources: [../base]
patches:
  - target: { kind: HelmRelease, name: web }
    patch: |
      apiVersion: helm.toolkit.fluxcd.io/v2
      kind: HelmRelease
      metadata: { name: web }
      spec: { values: { greeting: prod } }
`,
  });
  const agent = await pushAndStartAgent(t, env.kubeconfig, dir, work, bare);
  const root = await agent.refresh('flux-system');
  assert.equal(root?.error, undefined, JSON.stringify(brief(root)));
  const synced = (s: { sync: string; health: { status: string } }) => s.sync === 'Synced' && s.health.status === 'Healthy';
  await waitForStatus(agent, synced, 'web', 60_000, 'web');
  const api = await waitForStatus(agent, synced, 'api', 60_000, 'api');
  assert.equal(api.revision, '2.0.0');
  // Overlay patch over values over valuesFrom over the chart's defaults.
  assert.deepEqual((await getObject(env, `/api/v1/namespaces/${appsNs}/configmaps/web-settings`))?.['data'], { greeting: 'prod', color: 'green', chart: 'web-1.0.0' });
  // Flux's default release name: the target namespace and the name, shortened past 53 characters as Flux does.
  assert.deepEqual((await getObject(env, `/api/v1/namespaces/${appsNs}/configmaps/${shortenReleaseName(`${appsNs}-api`)}-settings`))?.['data'], { greeting: 'api', color: 'blue', chart: 'api-2.0.0' });
  const apps = agent.applications().find((s) => s.name === 'apps');
  assert.deepEqual(apps?.resources.map((r) => `${r.kind}/${r.name} ${r.sync} ${r.health.status}`).sort(), ['HelmRelease/api Synced Healthy', 'HelmRelease/web Synced Healthy']);

  // A HelmRelease removed from Git is uninstalled: its objects are pruned; the other stays.
  await work.write({ 'apps/base/kustomization.yaml': 'resources: [web.yaml]\n', 'apps/base/api.yaml': null });
  await work.commit('api removed');
  await work.git('push', '--quiet', bare, 'main');
  await agent.refresh('apps');
  const apiSettings = `/api/v1/namespaces/${appsNs}/configmaps/${shortenReleaseName(`${appsNs}-api`)}-settings`;
  for (const deadline = Date.now() + 60_000; await getObject(env, apiSettings) !== undefined;) {
    assert.ok(Date.now() < deadline, 'the api release uninstalled');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.notEqual(await getObject(env, `/api/v1/namespaces/${appsNs}/configmaps/web-settings`), undefined);
  assert.equal(agent.applicationNames().includes('api'), false);
});

test('a HelmRelease version range follows the highest chart version in it, and moves when one is published', async (t) => {
  const env = await kubeEnv(t);
  if (env === undefined) return;
  const helm = join(env.binDir, 'helm');
  const registry = await serveOciRegistry(t, { helm });
  if (registry === undefined) return;
  t.after(() => registry.close());
  const publish = (version: string) => registry.pushChart({ name: 'api', version, files: { 'values.yaml': 'greeting: api\ncolor: blue\n', 'templates/cm.yaml': template } }, 'charts');
  for (const version of ['1.0.0', '1.1.0', '2.0.0']) await publish(version);
  const [fluxNs, appsNs] = [await kubeNamespace(env, t), await kubeNamespace(env, t)];
  const dir = await mkdtemp(join(tmpdir(), 'trueup-flux-helm-range-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const bare = await createServedRepo(join(dir, 'repos'), 'fleet.git');
  const work = await createWorkRepo(join(dir, 'work'));
  const meta = (kind: string, api: string, name: string) => `---\napiVersion: ${api}\nkind: ${kind}\nmetadata: { name: ${name}, namespace: ${fluxNs} }\n`;
  await work.write({
    'clusters/prod/flux-system/gotk-sync.yaml': `${meta('GitRepository', 'source.toolkit.fluxcd.io/v1', 'flux-system')}spec: { interval: 1m, ref: { branch: main }, url: "file://${bare}" }
${meta('Kustomization', 'kustomize.toolkit.fluxcd.io/v1', 'flux-system')}spec: { interval: 10m, prune: true, path: ./apps, sourceRef: { kind: GitRepository, name: flux-system } }
`,
    'apps/api.yaml': `${meta('HelmRepository', 'source.toolkit.fluxcd.io/v1', 'oci-charts')}spec: { interval: 1h, type: oci, url: "oci://${registry.host}/charts" }
${meta('HelmRelease', 'helm.toolkit.fluxcd.io/v2', 'api')}spec:
  interval: 10m
  targetNamespace: ${appsNs}
  releaseName: api
  chart: { spec: { chart: api, version: "1.x", sourceRef: { kind: HelmRepository, name: oci-charts } } }
`,
  });
  const agent = await pushAndStartAgent(t, env.kubeconfig, dir, work, bare);
  const synced = (s: { sync: string; health: { status: string } }) => s.sync === 'Synced' && s.health.status === 'Healthy';
  const api = await waitForStatus(agent, synced, 'api', 60_000, 'api');
  assert.equal(api.revision, '1.1.0', JSON.stringify(brief(api)));
  const chartOf = async (): Promise<unknown> => ((await getObject(env, `/api/v1/namespaces/${appsNs}/configmaps/api-settings`))?.['data'] as Record<string, string> | undefined)?.['chart'];
  assert.equal(await chartOf(), 'api-1.1.0', 'the highest 1.x, not 2.0.0');

  await publish('1.2.0');
  const moved = await agent.refresh('api');
  assert.equal(moved?.revision, '1.2.0', JSON.stringify(brief(moved)));
  assert.equal(await chartOf(), 'api-1.2.0');
});
