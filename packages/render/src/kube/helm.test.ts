/** Helm through the real `helm` binary (tools/kube-testenv/build.sh), and choosing the renderer. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { HelmSourceSchema, isTrueupError, type DesiredObject, type HelmSource } from '@trueup/api';
import { requireKubeTools, serveHelmRepo } from '@trueup/testkit';
import { captureError, fixture, scratchRepo } from '../test-helpers.ts';
import { renderKubernetesManifests } from './render-kubernetes.ts';

const REPO = fixture('kube', 'repo');

function tools(t: TestContext): { kustomize: string; helm: string } | undefined {
  const bin = requireKubeTools(t);
  return bin === undefined ? undefined : { kustomize: path.join(bin, 'kustomize'), helm: path.join(bin, 'helm') };
}

function helmOptions(extra: Partial<HelmSource> = {}): HelmSource {
  return { ...HelmSourceSchema.parse({}), ...extra };
}

function summary(objects: readonly DesiredObject[]): string[] {
  return objects.map((o) => `${o.key.kind}/${o.key.namespace ?? ''}/${o.key.name} ${o.origin.file}:${o.origin.line}`);
}

test('helm: values files, inline values, valuesObject and --set, in Helm\'s order', async (t) => {
  const bins = tools(t);
  if (bins === undefined) return;
  const { tool, objects } = await renderKubernetesManifests({
    checkoutDir: REPO, path: 'helm/web', application: 'shop', namespace: 'web', tools: bins,
    helm: helmOptions({
      valueFiles: ['values-prod.yaml', '../shared/values.yaml'],
      values: 'greeting: hi\ncolor: green\n',
      valuesObject: { image: { tag: '1.27' }, extra: 'yes', color: 'yellow' },
      parameters: [{ name: 'list', value: 'a,b', forceString: false }, { name: 'port', value: '8080', forceString: true }, { name: 'color', value: 'purple', forceString: false }],
    }),
  });
  assert.equal(tool, 'helm');
  // The CRD comes with --include-crds; the test hook Pod is left out.
  assert.deepEqual(summary(objects), [
    'CustomResourceDefinition//widgets.example.com helm/web/crds/widgets.yaml:1',
    'ConfigMap//shop-web-settings helm/web/templates/configmap.yaml:1',
    'ConfigMap//shop-web-extra helm/web/templates/configmap.yaml:1',
    'Deployment/web/shop-web helm/web/templates/deployment.yaml:1',
  ]);
  assert.deepEqual(objects[1]?.manifest['data'], { greeting: 'hi', color: 'purple', size: 'large', list: 'a,b', port: '8080' });
  const spec = objects[3]?.manifest['spec'] as { replicas: number; template: { spec: { containers: { image: string }[] } } };
  assert.equal(spec.replicas, 3);
  assert.equal(spec.template.spec.containers[0]?.image, 'nginx:1.27');
});

test('helm: chart defaults, releaseName, and nothing of the agent\'s environment', async (t) => {
  const bins = tools(t);
  if (bins === undefined) return;
  const saved = process.env['HELM_NAMESPACE'];
  process.env['HELM_NAMESPACE'] = 'leaked';
  t.after(() => {
    if (saved === undefined) delete process.env['HELM_NAMESPACE'];
    else process.env['HELM_NAMESPACE'] = saved;
  });
  const { objects } = await renderKubernetesManifests({ checkoutDir: REPO, path: 'helm/web', application: 'shop', tools: bins, helm: helmOptions({ releaseName: 'blue' }) });
  assert.deepEqual(summary(objects), [
    'CustomResourceDefinition//widgets.example.com helm/web/crds/widgets.yaml:1',
    'ConfigMap//blue-web-settings helm/web/templates/configmap.yaml:1',
    'Deployment/default/blue-web helm/web/templates/deployment.yaml:1',
  ]);
  assert.deepEqual(objects[1]?.manifest['data'], { greeting: 'hello', color: 'blue', size: 'small', list: '', port: '80' });
});

test('helm: skipCrds, ignoreMissingValueFiles, a namespace, kubeVersion and apiVersions, as Argo CD passes them', async (t) => {
  const bins = tools(t);
  if (bins === undefined) return;
  const { objects } = await renderKubernetesManifests({
    checkoutDir: REPO, path: 'helm/web', application: 'shop', namespace: 'web', tools: bins,
    helm: helmOptions({
      skipCrds: true,
      ignoreMissingValueFiles: true,
      valueFiles: ['values-missing.yaml', 'values-prod.yaml'],
      namespace: 'other',
      kubeVersion: '1.31.0',
      apiVersions: ['example.com/v1'],
      parameters: [{ name: 'showCapabilities', value: 'true', forceString: false }],
    }),
  });
  assert.deepEqual(summary(objects), [
    'ConfigMap//shop-web-capabilities helm/web/templates/capabilities.yaml:1',
    'ConfigMap//shop-web-settings helm/web/templates/configmap.yaml:1',
    'Deployment/other/shop-web helm/web/templates/deployment.yaml:1',
  ]);
  assert.deepEqual(objects[0]?.manifest['data'], { kubeVersion: 'v1.31.0', hasWidgets: 'true' });
  await assert.rejects(renderKubernetesManifests({
    checkoutDir: REPO, path: 'helm/web', application: 'shop', tools: bins, helm: helmOptions({ valueFiles: ['values-missing.yaml'] }),
  }), (error: unknown) => isTrueupError(error, 'RENDER_PATH_NOT_FOUND'));
  await assert.rejects(renderKubernetesManifests({
    checkoutDir: REPO, path: 'helm/web', application: 'shop', tools: bins, helm: helmOptions({ ignoreMissingValueFiles: true, valueFiles: ['../../../outside.yaml'] }),
  }), (error: unknown) => isTrueupError(error, 'RENDER_PATH_ESCAPES_REPO'), 'escaping the checkout is never ignored');
});

test('helm: a template error fails with helm\'s message and renders nothing', async (t) => {
  const bins = tools(t);
  if (bins === undefined) return;
  const error = await captureError(renderKubernetesManifests({ checkoutDir: REPO, path: 'helm/broken', application: 'web', tools: bins }));
  assert.deepEqual(error, {
    code: 'RENDER_TOOL_FAILED', file: 'helm/broken',
    message: 'helm template failed rendering helm/broken: Error: execution error at (broken/templates/fail.yaml:1:3): boom: this chart refuses to render',
  });
});

const valueFileCases = [
  { name: 'climbing out with ..', file: '../../../../../etc/passwd', code: 'RENDER_PATH_ESCAPES_REPO', message: /spec\.source\.helm\.valueFiles\[1\] "\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd" leads outside the repository/ },
  { name: 'absolute', file: '/etc/passwd', code: 'RENDER_PATH_ESCAPES_REPO', message: /valueFiles\[1\] "\/etc\/passwd" leads outside the repository: give a path relative to the chart folder helm\/web/ },
  { name: 'a URL', file: 'https://example.com/values.yaml', code: 'RENDER_PATH_ESCAPES_REPO', message: /is a URL/ },
  { name: 'missing', file: 'values-nope.yaml', code: 'RENDER_PATH_NOT_FOUND', message: /\(helm\/web\/values-nope\.yaml\) does not exist/ },
];

for (const c of valueFileCases) {
  test(`helm: a values file that is ${c.name} is refused before helm runs`, async () => {
    const error = await captureError(renderKubernetesManifests({
      checkoutDir: REPO, path: 'helm/web', application: 'web', tools: { helm: '/nonexistent/helm' }, helm: helmOptions({ valueFiles: ['values-prod.yaml', c.file] }),
    }));
    assert.equal(error.code, c.code);
    assert.equal(error.field, 'spec.source.helm.valueFiles[1]');
    assert.match(error.message, c.message);
  });
}

test('helm: a missing binary names the tool and the path', async () => {
  const error = await captureError(renderKubernetesManifests({ checkoutDir: REPO, path: 'helm/web', application: 'web', tools: { helm: '/nonexistent/helm' } }));
  assert.equal(error.code, 'RENDER_TOOL_MISSING');
  assert.match(error.message, /helm is needed to render helm\/web but "\/nonexistent\/helm" was not found: run `trueup tools install` \(it builds the pinned helm v[\d.]+\), or set TRUEUP_HELM to its path/);
});

test('detect: a kustomization wins over a Chart.yaml; options override', async (t) => {
  const bins = tools(t);
  if (bins === undefined) return;
  const render = (extra: object): ReturnType<typeof renderKubernetesManifests> => renderKubernetesManifests({ checkoutDir: REPO, path: 'override', application: 'web', tools: bins, ...extra });
  const auto = await render({});
  assert.deepEqual([auto.tool, summary(auto.objects)], ['kustomize', ['ConfigMap//from-kustomize override/from-kustomize.yaml:1']]);
  const forced = await render({ helm: helmOptions() });
  assert.deepEqual([forced.tool, summary(forced.objects)], ['helm', ['ConfigMap//from-helm override/templates/cm.yaml:1']]);
  const chart = await renderKubernetesManifests({ checkoutDir: REPO, path: 'helm/web', application: 'web', tools: bins });
  assert.equal(chart.tool, 'helm');
});

test('helm: forced on a folder that is no chart, helm says so', async (t) => {
  const bins = tools(t);
  if (bins === undefined) return;
  const error = await captureError(renderKubernetesManifests({ checkoutDir: REPO, path: 'plain', application: 'web', tools: bins, helm: helmOptions() }));
  assert.deepEqual(error, { code: 'RENDER_TOOL_FAILED', file: 'plain', message: 'helm template failed rendering plain: Error: Chart.yaml file is missing' });
});

test('helm: symlinks out of the checkout are refused before helm runs, also through a linked folder', async (t) => {
  const scratch = await scratchRepo(path.join(REPO, 'helm'));
  t.after(() => scratch.remove());
  await writeFile(path.join(scratch.root, 'secret.txt'), 'host secret\n');
  await scratch.write('lib/ok.yaml', 'a: 1\n');
  await scratch.link('web/templates/shared', '../../lib');
  const render = (): Promise<unknown> => renderKubernetesManifests({ checkoutDir: scratch.repo, path: 'web', application: 'web', tools: { helm: '/nonexistent/helm' } });
  assert.equal((await captureError(render())).code, 'RENDER_TOOL_MISSING', 'links inside the checkout are fine');
  await scratch.link('lib/leak.txt', path.join(scratch.root, 'secret.txt'));
  assert.deepEqual(await captureError(render()), { code: 'RENDER_PATH_ESCAPES_REPO', file: 'web/templates/shared/leak.txt', message: 'web/templates/shared/leak.txt is a symlink leading outside the repository' });
});

test('helm: dependencies from a Helm repository that the chart does not carry are built in a copy, never in the checkout', async (t) => {
  const bins = tools(t);
  if (bins === undefined) return;
  const charts = await serveHelmRepo([
    { name: 'common', version: '0.2.0', files: { 'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-common\n' } },
  ], { helm: bins.helm });
  const scratch = await scratchRepo();
  t.after(async () => {
    await scratch.remove();
    await charts.close();
  });
  await scratch.write('apps/web/Chart.yaml', `apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - name: common\n    version: 0.2.0\n    repository: ${charts.url}\n`);
  await scratch.write('apps/web/templates/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-web\n');
  const { objects } = await renderKubernetesManifests({ checkoutDir: scratch.repo, path: 'apps/web', application: 'shop', tools: bins });
  assert.deepEqual(objects.map((o) => o.key.name).sort(), ['shop-common', 'shop-web']);
  assert.equal(existsSync(path.join(scratch.repo, 'apps/web/charts')), false, 'the checkout is not written');
  assert.deepEqual(charts.requests.filter((r) => r.endsWith('.tgz')), ['/common-0.2.0.tgz']);

  await scratch.write('apps/web/Chart.yaml', `apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - name: common\n    version: 9.9.9\n    repository: ${charts.url}\n`);
  const error = await captureError(renderKubernetesManifests({ checkoutDir: scratch.repo, path: 'apps/web', application: 'shop', tools: bins }));
  assert.equal(error.code, 'RENDER_TOOL_FAILED');
  assert.match(error.message, /helm dependency failed fetching the dependencies of apps\/web: .*common/);
});
