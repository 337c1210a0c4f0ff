/**
 * Charts from an OCI registry, against the real API server and a real registry on loopback
 * (Debian's docker-registry, the chart pushed by `helm push`): ours with Basic auth from a file,
 * and an Argo CD Application naming the registry without a scheme, as Argo CD does.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { kubeNamespace, serveOciRegistry } from '@trueup/testkit';
import { startAgent } from './agent.ts';
import { brief, getObject, kubeEnv } from './testing.ts';

const template = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
data:
  greeting: {{ .Values.greeting | quote }}
  version: {{ .Chart.Version | quote }}
`;
const chart = { name: 'web', version: '1.2.0', files: { 'values.yaml': 'greeting: hello\n', 'templates/settings.yaml': template } };

async function agentOn(t: TestContext, name: string, application: (namespace: string) => string, files: Record<string, string> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-oci-app-'));
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text, { mode: 0o600 });
  const env = (await kubeEnv(t))!;
  const namespace = await kubeNamespace(env, t);
  await writeFile(join(dir, 'app.yaml'), application(namespace));
  const agent = await startAgent({ stateDir: join(dir, 'state'), paths: [join(dir, 'app.yaml')] });
  t.after(async () => {
    await agent.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return { agent, env, namespace, first: await agent.refresh(name) };
}

test('a chart from an OCI registry with Basic auth from a file converges; a wrong password stalls with helm\'s message', async (t) => {
  const env = await kubeEnv(t);
  if (env === undefined) return;
  const auth = { username: 'reader', password: 'oci-secret' };
  const registry = await serveOciRegistry(t, { helm: join(env.binDir, 'helm'), auth });
  if (registry === undefined) return;
  t.after(() => registry.close());
  await registry.pushChart(chart, 'charts');
  const ours = (password: string) => (namespace: string) => `apiVersion: trueup.dev/v1alpha1
kind: Application
metadata: { name: shop }
spec:
  source:
    repoURL: oci://${registry.host}/charts
    chart: web
    ref: 1.2.0
    credentials: { username: ${auth.username}, passwordFile: ${password} }
  destination: { kubernetes: { kubeconfig: "${env.kubeconfig}", namespace: ${namespace} } }
  syncPolicy: { automated: { prune: true, selfHeal: true }, interval: 1h }
`;
  const good = await agentOn(t, 'shop', ours('password'), { password: `${auth.password}\n` });
  assert.equal(good.first?.error, undefined, JSON.stringify(brief(good.first)));
  assert.equal(good.first?.revision, '1.2.0');
  assert.deepEqual((await getObject(env, `/api/v1/namespaces/${good.namespace}/configmaps/shop-settings`))?.['data'], { greeting: 'hello', version: '1.2.0' });

  const bad = await agentOn(t, 'shop', ours('wrong'), { wrong: 'not-it\n' });
  assert.equal(bad.first?.error?.code, 'RENDER_TOOL_FAILED', JSON.stringify(brief(bad.first)));
  assert.match(bad.first?.error?.message ?? '', /^helm registry failed fetching chart web 1\.2\.0 from oci:\/\/127\.0\.0\.1:\d+\/charts: .*(unauthorized|401)/si);
  assert.doesNotMatch(bad.first?.error?.message ?? '', /not-it/);
});

test('an Argo CD Application names an OCI registry without a scheme', async (t) => {
  const env = await kubeEnv(t);
  if (env === undefined) return;
  const registry = await serveOciRegistry(t, { helm: join(env.binDir, 'helm') });
  if (registry === undefined) return;
  t.after(() => registry.close());
  await registry.pushChart(chart, 'team/charts');
  const saved = process.env['KUBECONFIG'];
  process.env['KUBECONFIG'] = env.kubeconfig; // an Argo CD Application deploys to the agent's own cluster
  t.after(() => {
    if (saved === undefined) delete process.env['KUBECONFIG'];
    else process.env['KUBECONFIG'] = saved;
  });
  const run = await agentOn(t, 'web', (namespace) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: web, namespace: argocd }
spec:
  project: default
  source:
    repoURL: ${registry.host}/team/charts
    chart: web
    targetRevision: 1.2.0
    helm: { valuesObject: { greeting: from-argo } }
  destination: { server: https://kubernetes.default.svc, namespace: ${namespace} }
  syncPolicy: { automated: { prune: true } }
`);
  assert.equal(run.first?.error, undefined, JSON.stringify(brief(run.first)));
  assert.deepEqual((await getObject(env, `/api/v1/namespaces/${run.namespace}/configmaps/web-settings`))?.['data'], { greeting: 'from-argo', version: '1.2.0' });
});
