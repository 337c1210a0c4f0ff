/**
 * A Flux tree in the shape users have, unchanged, against the real API server: the agent is
 * pointed at `clusters/prod` (holding `flux-system/gotk-sync.yaml`), reconciles the
 * Kustomizations it finds (infrastructure, then apps, which dependsOn it) from the GitRepository,
 * with targetNamespace, namePrefix, images, patches, components and postBuild substitution from a
 * ConfigMap of the cluster; Flux's own controllers are recognised and not applied; a HelmRelease
 * that Trueup cannot honour (its chart from a HelmChart source) fails alone.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createServedRepo, createWorkRepo, kubeCall, kubeNamespace } from '@trueup/testkit';
import { startAgent } from './agent.ts';
import { brief, getObject, kubeEnv, waitForStatus } from './testing.ts';

function tree(repoURL: string, fluxNs: string, infraNs: string, appsNs: string): Record<string, string> {
  const kustomization = (name: string, spec: string) => `---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: ${fluxNs}
spec:
  interval: 10m0s
  retryInterval: 1m
  timeout: 2m
  sourceRef:
    kind: GitRepository
    name: flux-system
${spec}`;
  return {
    'clusters/prod/flux-system/gotk-components.yaml': `---
apiVersion: v1
kind: Namespace
metadata:
  name: flux-system
  labels: { app.kubernetes.io/instance: flux-system, app.kubernetes.io/part-of: flux }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: kustomize-controller
  namespace: flux-system
  labels: { app.kubernetes.io/part-of: flux, control-plane: controller }
spec:
  selector: { matchLabels: { app: kustomize-controller } }
  template:
    metadata: { labels: { app: kustomize-controller } }
    spec: { containers: [{ name: manager, image: ghcr.io/fluxcd/kustomize-controller:v1.5.0 }] }
`,
    'clusters/prod/flux-system/gotk-sync.yaml': `---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: ${fluxNs}
spec:
  interval: 1m0s
  ref: { branch: main }
  url: ${repoURL}
${kustomization('flux-system', '  path: ./clusters/prod\n  prune: true\n')}`,
    'clusters/prod/flux-system/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [gotk-components.yaml, gotk-sync.yaml]\n',
    'clusters/prod/infrastructure.yaml': kustomization('infrastructure', `  path: ./infrastructure\n  prune: true\n  wait: true\n  targetNamespace: ${infraNs}\n`),
    'clusters/prod/apps.yaml': kustomization('apps', `  dependsOn: [{ name: infrastructure }]
  path: ./apps/prod
  prune: true
  targetNamespace: ${appsNs}
  namePrefix: prod-
  images: [{ name: registry.local/web, newTag: 2.0.0 }]
  components: [../../components/team]
  patches:
    - target: { kind: Deployment, name: web }
      patch: |
        apiVersion: apps/v1
        kind: Deployment
        metadata: { name: web, annotations: { patched-by: flux } }
  postBuild:
    substitute: { ENV: prod }
    substituteFrom: [{ kind: ConfigMap, name: cluster-vars }, { kind: Secret, name: absent, optional: true }]
`),
    'clusters/prod/podinfo.yaml': `---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: { name: podinfo, namespace: ${fluxNs} }
spec: { interval: 5m, chart: { spec: { chart: podinfo, version: 6.0.0, sourceRef: { kind: HelmChart, name: podinfo } } } }
`,
    'infrastructure/settings.yaml': '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: infra-settings\ndata: { ready: "yes" }\n',
    'apps/base/kustomization.yaml': 'resources: [web.yaml, config.yaml]\n',
    'apps/base/web.yaml': `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: \${REPLICAS:=1}
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: main, image: registry.local/web:1.0.0 }] }
`,
    'apps/base/config.yaml': '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  env: ${ENV}\n  cluster: ${CLUSTER_NAME}\n  literal: $${ENV}\n',
    'apps/prod/kustomization.yaml': 'resources: [../base]\n',
    'components/team/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations: { team: shop }\n',
  };
}

test('a Flux cluster folder converges: Kustomizations in dependency order, with their options, Flux\'s controllers left alone', async (t) => {
  const env = await kubeEnv(t);
  if (env === undefined) return;
  const [fluxNs, infraNs, appsNs] = [await kubeNamespace(env, t), await kubeNamespace(env, t), await kubeNamespace(env, t)];
  await kubeCall(env, 'POST', `/api/v1/namespaces/${fluxNs}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster-vars' }, data: { CLUSTER_NAME: 'eu-1' } });
  const dir = await mkdtemp(join(tmpdir(), 'trueup-flux-'));
  const bare = await createServedRepo(join(dir, 'repos'), 'fleet.git');
  const work = await createWorkRepo(join(dir, 'work'));
  const files = tree(`file://${bare}`, fluxNs, infraNs, appsNs);
  await work.write(files);
  await work.commit('flux tree');
  await work.git('push', '--quiet', bare, 'main');
  const saved = process.env['KUBECONFIG'];
  process.env['KUBECONFIG'] = env.kubeconfig; // a Flux tree deploys to the agent's own cluster
  const agent = await startAgent({ stateDir: join(dir, 'state'), paths: [join(work.dir, 'clusters/prod')] });
  t.after(async () => {
    await agent.stop();
    await rm(dir, { recursive: true, force: true });
    if (saved === undefined) delete process.env['KUBECONFIG'];
    else process.env['KUBECONFIG'] = saved;
  });

  const root = await agent.refresh('flux-system');
  assert.equal(root?.error, undefined, JSON.stringify(brief(root)));
  const apps = await waitForStatus(agent, (s) => s.sync === 'Synced' && s.health.status === 'Healthy', 'apps Synced and Healthy', 60_000, 'apps');
  const infra = agent.applications().find((s) => s.name === 'infrastructure');
  assert.equal(infra?.sync, 'Synced');
  assert.deepEqual(infra?.resources.map((r) => `${r.kind}/${r.namespace ?? ''}/${r.name}`), [`ConfigMap/${infraNs}/infra-settings`]);
  assert.deepEqual(apps.resources.map((r) => `${r.kind}/${r.namespace ?? ''}/${r.name}`).sort(), [`ConfigMap/${appsNs}/prod-web-config`, `Deployment/${appsNs}/prod-web`]);

  // dependsOn: apps was applied after infrastructure was Ready.
  const infraSettings = await getObject(env, `/api/v1/namespaces/${infraNs}/configmaps/infra-settings`);
  const web = await getObject(env, `/apis/apps/v1/namespaces/${appsNs}/deployments/prod-web`);
  assert.ok(BigInt(infraSettings?.metadata.resourceVersion ?? '0') < BigInt(web?.metadata.resourceVersion ?? '0'), 'infrastructure before apps');
  const spec = web?.['spec'] as { replicas: number; template: { spec: { containers: Array<{ image: string }> } } };
  assert.equal(spec.replicas, 1);
  assert.equal(spec.template.spec.containers[0]?.image, 'registry.local/web:2.0.0');
  assert.equal(web?.metadata.annotations?.['patched-by'], 'flux');
  assert.equal(web?.metadata.annotations?.['team'], 'shop');
  assert.deepEqual((await getObject(env, `/api/v1/namespaces/${appsNs}/configmaps/prod-web-config`))?.['data'], { env: 'prod', cluster: 'eu-1', literal: '${ENV}' });

  // Flux's controllers are not applied, and the root says so; the HelmRelease fails alone.
  assert.equal(await getObject(env, '/apis/apps/v1/namespaces/flux-system/deployments/kustomize-controller'), undefined);
  const rootNow = agent.applications().find((s) => s.name === 'flux-system');
  assert.equal(rootNow?.sync, 'Synced', JSON.stringify(brief(rootNow)));
  const listed = rootNow?.resources.map((r) => `${r.kind}/${r.name} ${r.sync} ${r.health.status}`).sort();
  assert.deepEqual(listed, ['HelmRelease/podinfo Synced Degraded', 'Kustomization/apps Synced Healthy', 'Kustomization/infrastructure Synced Healthy', 'Note/flux-controllers Synced Healthy']);
  assert.match(rootNow?.resources.find((r) => r.kind === 'Note')?.health.message ?? '', /^2 objects of Flux's own controllers \(clusters\/prod\/flux-system\/gotk-components\.yaml\) are not applied/);
  const podinfo = agent.applications().find((s) => s.name === 'podinfo');
  assert.equal(podinfo?.error?.code, 'API_FIELD_INVALID');
  assert.equal(podinfo?.error?.file, 'clusters/prod/podinfo.yaml');
  assert.equal(podinfo?.error?.field, 'spec.chart.spec.sourceRef.kind');
});
