/**
 * Argo CD's several sources, unchanged: a chart from a Helm repository on loopback with its
 * values file in the team's Git repository (`ref: values`, `$values/…`), into the real API
 * server; a change to the values repository alone renders again.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createServedRepo, createWorkRepo, kubeNamespace, serveHelmRepo } from '@trueup/testkit';
import { startAgent } from './agent.ts';
import { brief, getObject, kubeEnv } from './testing.ts';

const template = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
data:
  greeting: {{ .Values.greeting | quote }}
`;

test('a public chart with values from the team\'s repository (sources with ref) converges, and follows a change of the values', async (t) => {
  const env = await kubeEnv(t);
  if (env === undefined) return;
  const charts = await serveHelmRepo([{ name: 'web', version: '1.0.0', files: { 'values.yaml': 'greeting: default\n', 'templates/settings.yaml': template } }], { helm: join(env.binDir, 'helm') });
  const dir = await mkdtemp(join(tmpdir(), 'trueup-sources-'));
  const bare = await createServedRepo(join(dir, 'repos'), 'config.git');
  const work = await createWorkRepo(join(dir, 'work'));
  const push = async (greeting: string): Promise<void> => {
    await work.write({ 'envs/prod/values.yaml': `greeting: ${greeting}\n` });
    await work.commit();
    await work.git('push', '--quiet', '--force', bare, 'main');
  };
  await push('from-the-team');
  const namespace = await kubeNamespace(env, t);
  const appFile = join(dir, 'web.yaml');
  await writeFile(appFile, `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: web, namespace: argocd }
spec:
  project: default
  sources:
    - repoURL: ${charts.url}
      chart: web
      targetRevision: 1.0.0
      helm:
        valueFiles: [$values/envs/prod/values.yaml]
    - repoURL: file://${bare}
      targetRevision: main
      ref: values
  destination: { server: https://kubernetes.default.svc, namespace: ${namespace} }
  syncPolicy: { automated: { prune: true, selfHeal: true } }
`);
  const saved = process.env['KUBECONFIG'];
  process.env['KUBECONFIG'] = env.kubeconfig; // an Argo CD Application deploys to the agent's own cluster
  const agent = await startAgent({ stateDir: join(dir, 'state'), paths: [appFile] });
  t.after(async () => {
    await agent.stop();
    await charts.close();
    await rm(dir, { recursive: true, force: true });
    if (saved === undefined) delete process.env['KUBECONFIG'];
    else process.env['KUBECONFIG'] = saved;
  });
  const first = await agent.refresh('web');
  assert.equal(first?.error, undefined, JSON.stringify(brief(first)));
  assert.equal(first?.sync, 'Synced', JSON.stringify(brief(first)));
  const path = `/api/v1/namespaces/${namespace}/configmaps/web-settings`;
  assert.deepEqual((await getObject(env, path))?.['data'], { greeting: 'from-the-team' });

  await push('changed-by-the-team');
  const second = await agent.refresh('web');
  assert.equal(second?.error, undefined, JSON.stringify(brief(second)));
  assert.deepEqual((await getObject(env, path))?.['data'], { greeting: 'changed-by-the-team' });
});
