/**
 * A chart from a Helm repository (`source.chart` at an exact version), against the real API
 * server and a real repository on loopback: pulled once with the repository's credentials,
 * rendered with the Application's values, then served from the cache; a version the repository
 * does not have stalls the application with helm's message and changes nothing.
 */
import assert from 'node:assert/strict';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { kubeNamespace, serveHelmRepo } from '@trueup/testkit';
import { startAgent } from './agent.ts';
import { brief, getObject, kubeEnv } from './testing.ts';

const configMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
data:
  greeting: {{ .Values.greeting | quote }}
  version: {{ .Chart.Version | quote }}
`;

async function chartAgent(t: TestContext, version: string) {
  const env = await kubeEnv(t);
  if (env === undefined) return undefined;
  const auth = { username: 'reader', password: 'chart-secret' };
  const repo = await serveHelmRepo([
    { name: 'web', version: '1.0.0', files: { 'values.yaml': 'greeting: hello\n', 'templates/settings.yaml': configMap } },
    { name: 'web', version: '1.1.0', files: { 'values.yaml': 'greeting: hi\n', 'templates/settings.yaml': configMap } },
  ], { helm: join(env.binDir, 'helm'), auth });
  const namespace = await kubeNamespace(env, t);
  const dir = await mkdtemp(join(tmpdir(), 'trueup-chart-app-'));
  await writeFile(join(dir, 'chart-password'), `${auth.password}\n`, { mode: 0o600 });
  const appFile = join(dir, 'app.yaml');
  await writeFile(appFile, `apiVersion: trueup.dev/v1alpha1
kind: Application
metadata: { name: shop }
spec:
  source:
    repoURL: ${repo.url}
    chart: web
    ref: ${version}
    credentials: { username: ${auth.username}, passwordFile: chart-password }
    helm: { valuesObject: { greeting: from-the-application } }
  destination: { kubernetes: { kubeconfig: "${env.kubeconfig}", namespace: ${namespace} } }
  syncPolicy: { automated: { prune: true, selfHeal: true }, interval: 1h }
`);
  const agent = await startAgent({ stateDir: join(dir, 'state'), paths: [appFile] });
  t.after(async () => {
    await agent.stop();
    await repo.close();
    await rm(dir, { recursive: true, force: true });
  });
  const first = await agent.refresh('shop');
  return { env, repo, agent, namespace, first };
}

test('a chart from a Helm repository is pulled with its credentials, rendered with the Application\'s values, then read from the cache', async (t) => {
  const run = await chartAgent(t, '1.1.0');
  if (run === undefined) return;
  const { env, repo, agent, namespace, first } = run;
  assert.equal(first?.error, undefined, JSON.stringify(brief(first)));
  assert.equal(first?.sync, 'Synced');
  assert.equal(first?.revision, '1.1.0');
  const settings = await getObject(env, `/api/v1/namespaces/${namespace}/configmaps/shop-settings`);
  assert.deepEqual(settings?.['data'], { greeting: 'from-the-application', version: '1.1.0' });
  const pulls = repo.requests.filter((path) => path.endsWith('.tgz'));
  assert.deepEqual(pulls, ['/web-1.1.0.tgz']);
  const again = await agent.refresh('shop');
  assert.equal(again?.sync, 'Synced');
  assert.deepEqual(repo.requests.filter((path) => path.endsWith('.tgz')), pulls, 'the next pass reads the chart from the cache');
});

test('a chart version the repository does not have stalls the application with helm\'s message', async (t) => {
  const run = await chartAgent(t, '9.9.9');
  if (run === undefined) return;
  const { first } = run;
  assert.equal(first?.error?.code, 'RENDER_TOOL_FAILED', JSON.stringify(brief(first)));
  assert.match(first?.error?.message ?? '', /chart web 9\.9\.9 from http:\/\/127\.0\.0\.1:\d+.*9\.9\.9/);
  assert.ok(!(first?.error?.message ?? '').includes('chart-secret'), 'no credential in the message');
});
