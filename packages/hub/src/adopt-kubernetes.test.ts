/**
 * Adoption on a real Kubernetes API server, through a real hub and a Kubernetes agent, for the
 * three ways an object comes from Git: a plain manifest (its document at the origin's line), a
 * Kustomize build (the base file kustomize's origin annotation names, the document by kind and
 * prefixed name; a field an overlay's patch sets, and a generator's object, refused with why), and
 * a Helm chart (the values key the template takes the field from, in the last values file that sets
 * it; a literal field, a key the inline values set, and a chart of a Helm repository refused). The
 * plain and Kustomize adoptions commit on the tracked branch and the agent applies them; the Helm
 * one goes on a new branch, and self-heal resumes by itself once main holds it and is applied.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startAgent } from '@trueup/agent';
import type { AdoptResult, ResourceDetailBody } from '@trueup/api';
import type { CommandRecord } from '@trueup/store';
import { agentFixture, kubeCall, kubeNamespace, kubeTestEnv, serveHelmRepo } from '@trueup/testkit';
import { startTestHub } from '@trueup/testkit/hub';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { HubApiError } from './client.ts';
import { eventually as waitUntil } from '@trueup/testkit/eventually';

const run = promisify(execFile);

/** The shared wait, with a longer default: these steps wait on a cluster or a partition. */
const eventually = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> => waitUntil(what, fn, timeoutMs);

const FILES = {
  'plain/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast   # by hand sometimes\n',
  'kust/base/kustomization.yaml': 'resources: [tuning.yaml]\n',
  'kust/base/tuning.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\ndata:\n  level: "0"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tuning\ndata:\n  level: "1"\n  color: blue\n',
  'kust/prod/kustomization.yaml': `resources: [../base]
namePrefix: prod-
patches:
  - patch: |
      apiVersion: v1
      kind: ConfigMap
      metadata: { name: tuning }
      data: { color: green }
configMapGenerator:
  - name: flags
    literals: [beta=off]
generatorOptions: { disableNameSuffixHash: true }
`,
  'chart/Chart.yaml': 'apiVersion: v2\nname: cfg\nversion: 0.1.0\n',
  'chart/values.yaml': '# chart defaults\nlevel: "1"   # raised by hand in incidents\n',
  'chart/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cfg\ndata:\n  level: {{ .Values.level | quote }}\n  fixed: "yes"\n',
  // Rendered with two values files and inline values (the Application's): level wins from values-eu.yaml, tier from the inline values.
  'layered/Chart.yaml': 'apiVersion: v2\nname: layered\nversion: 0.1.0\n',
  'layered/values.yaml': 'level: "1"\ntier: web\n',
  'layered/values-prod.yaml': '# prod\nlevel: "3"\n',
  'layered/values-eu.yaml': '# eu, over prod\nlevel: "4"   # the region\'s\n',
  'layered/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cfg\ndata:\n  level: {{ .Values.level | quote }}\n  tier: {{ .Values.tier }}\n',
};

const LAYERED_HELM = ', helm: { valueFiles: [values-prod.yaml, values-eu.yaml], values: "tier: api\\n" }';

const childApplication = (repoURL: string, namespace: string): string => `apiVersion: trueup.dev/v1alpha1
kind: Application
metadata: { name: inline }
spec:
  source:
    repoURL: "${repoURL}"
    ref: main
    path: layered
    helm:
      valuesObject:
        tier: api   # the child's own
  destination: { kubernetes: { namespace: ${namespace} } }
  syncPolicy:
    interval: 1h
    automated: { prune: true, selfHeal: true }
`;

const application = (name: string, repoURL: string, path: string, kubeconfig: string, namespace: string, more = ''): string => `apiVersion: trueup.dev/v1alpha1
kind: Application
metadata: { name: ${name} }
spec:
  source: { repoURL: "${repoURL}", ref: main, path: ${path}${more} }
  destination: { kubernetes: { kubeconfig: "${kubeconfig}", namespace: ${namespace} } }
  syncPolicy:
    interval: 1h
    automated: { prune: true, selfHeal: true }
`;

test('adoption of Kubernetes objects from plain manifests, a Kustomize overlay and a Helm chart; what cannot be written back is refused with the reason', async (t) => {
  const defer = lastInFirstOut(t);
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  // The agent renders with the run's kustomize and helm, as `trueup tools install` would place them.
  process.env['TRUEUP_KUSTOMIZE'] ||= join(env.binDir, 'kustomize');
  process.env['TRUEUP_HELM'] ||= join(env.binDir, 'helm');
  const namespace = await kubeNamespace(env, t);
  const testHub = await startTestHub();
  defer(() => testHub.stop());
  const { client } = testHub;
  const fixture = await agentFixture({ files: FILES });
  defer(() => fixture.cleanup());
  // App of apps: the child's own valuesObject sets tier; the child's file is in the repository and branch it renders from.
  await fixture.commit({ 'apps/inline.yaml': childApplication(fixture.repoURL, namespace) }, 'a child Application with inline values');
  // A chart of a Helm repository: no file of a Git repository renders it.
  const charts = await serveHelmRepo([{ name: 'remote', version: '1.0.0', files: { 'values.yaml': 'level: "1"\n', 'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cfg\ndata:\n  level: {{ .Values.level | quote }}\n' } }], { helm: join(env.binDir, 'helm') });
  defer(() => charts.close());
  const appFiles = [join(fixture.dir, 'remote.app.yaml')];
  await writeFile(appFiles[0] ?? '', application('remote', charts.url, '.', env.kubeconfig, namespace).replace(', path: . }', ', chart: remote, ref: 1.0.0 }').replace('ref: main, ', ''));
  for (const [name, path, more] of [['plain', 'plain', ''], ['kust', 'kust/prod', ''], ['chart', 'chart', ''], ['layered', 'layered', LAYERED_HELM], ['apps', 'apps', '']] as const) {
    const file = join(fixture.dir, `${name}.app.yaml`);
    await writeFile(file, application(name, fixture.repoURL, path, env.kubeconfig, namespace, more));
    appFiles.push(file);
  }
  const tokenFile = join(fixture.dir, 'join-token');
  await writeFile(tokenFile, (await client.post<{ token: string }>('/api/v1/join-tokens', { name: 'cluster' })).token);
  const agent = await startAgent({ stateDir: fixture.stateDir, paths: appFiles, onEvent: (e) => fixture.onEvent(e), hub: { joinTokenFile: tokenFile } });
  defer(() => agent.stop());
  const bare = new URL(fixture.repoURL).pathname;
  const show = async (file: string, branch = 'main'): Promise<string> => (await run('git', ['--git-dir', bare, 'show', `${branch}:${file}`])).stdout;
  const app = (name: string): string => `/api/v1/environments/cluster/applications/${name}`;
  for (const name of ['plain', 'kust', 'chart', 'layered', 'remote', 'apps', 'inline']) {
    await eventually(`${name} synced at the hub`, async () => {
      const detail = await client.get<{ sync: string }>(app(name));
      if (detail.sync !== 'Synced') throw new Error(JSON.stringify(detail).slice(0, 3000));
      return true;
    });
  }

  /** Pauses self-heal of the object, edits it live as kubectl would, and waits until the hub sees it OutOfSync. */
  const handEdit = async (name: string, configMap: string, data: Record<string, string>): Promise<string> => {
    const key = `v1/ConfigMap/${namespace}/${configMap}`;
    assert.equal((await client.post<CommandRecord>(`${app(name)}/pause?wait=true&timeout=30`, { object: key })).state, 'succeeded');
    await kubeCall(env, 'PATCH', `/api/v1/namespaces/${namespace}/configmaps/${configMap}?fieldManager=kubectl-edit`, { data }, { contentType: 'application/merge-patch+json' });
    await agent.refresh(name);
    await eventually(`${configMap} OutOfSync`, async () => {
      const read = await client.get<ResourceDetailBody>(`${app(name)}/resources/${encodeURIComponent(key)}`);
      if (read.sync !== 'OutOfSync') throw new Error(`${read.sync}: ${JSON.stringify(read).slice(0, 2000)}`);
      return true;
    });
    return key;
  };
  const adopt = (name: string, object: string, fields?: string[]): Promise<AdoptResult> => client.post<AdoptResult>(`${app(name)}/adopt`, { object, branch: 'main', timeout: 60, ...(fields === undefined ? {} : { fields }) });
  const refused = async (name: string, object: string, fields: string[], code: string, says: RegExp): Promise<void> => {
    await assert.rejects(adopt(name, object, fields), (error: unknown) => {
      assert.ok(error instanceof HubApiError, String(error));
      assert.equal(error.code, code, error.message);
      assert.match(error.message, says);
      return true;
    });
  };
  const synced = async (name: string, key: string): Promise<ResourceDetailBody> => {
    const read = await client.get<ResourceDetailBody>(`${app(name)}/resources/${encodeURIComponent(key)}`);
    assert.equal(read.sync, 'Synced');
    return read;
  };

  // Plain manifest: the document at the origin's line, one line changed.
  const settings = await handEdit('plain', 'settings', { mode: 'slow' });
  const plain = await adopt('plain', 'ConfigMap/settings');
  assert.deepEqual([plain.outcome, plain.resumed, plain.file], ['committed', true, 'plain/settings.yaml']);
  assert.equal(await show('plain/settings.yaml'), FILES['plain/settings.yaml'].replace('mode: fast', 'mode: slow'));
  assert.deepEqual((await synced('plain', settings)).live?.data, { mode: 'slow' });

  // Kustomize: the base file's document of that kind whose name the prefix was added to.
  const tuning = await handEdit('kust', 'prod-tuning', { level: '2', color: 'red' });
  // color is set by the overlay's patch: the base file's "blue" is not what renders, so writing there would change nothing.
  await refused('kust', 'ConfigMap/prod-tuning', ['data.color'], 'GITOPS_VALUE_DIFFERS', /kust\/base\/tuning\.yaml:14 sets "data\.color" to "blue", but the object renders "green": something between this file and the object changes it/);
  const kust = await adopt('kust', 'ConfigMap/prod-tuning', ['data.level', 'data.color'].slice(0, 1));
  assert.deepEqual([kust.outcome, kust.file, kust.changes.map((c) => [c.file, c.line, c.key, c.to])], ['committed', 'kust/base/tuning.yaml', [['kust/base/tuning.yaml', 13, 'data.level', '2']]]);
  assert.equal(await show('kust/base/tuning.yaml'), FILES['kust/base/tuning.yaml'].replace('level: "1"', 'level: "2"'), 'the other document keeps its level');
  // Self-heal resumed: color heals back to what the overlay says, level stays as adopted.
  await eventually('prod-tuning healed to the overlay\'s color', async () => {
    const data = (await client.get<ResourceDetailBody>(`${app('kust')}/resources/${encodeURIComponent(tuning)}`)).live?.data as Record<string, string> | undefined;
    return data?.color === 'green' && data.level === '2' ? true : undefined;
  });
  await handEdit('kust', 'prod-flags', { beta: 'on' });
  await refused('kust', `ConfigMap/prod-flags`, ['data.beta'], 'HUB_REQUEST_INVALID', /was made by kustomize, not read from a file of the repository \(a generator configured in kust\/prod\/kustomization\.yaml/);

  // Helm: the values key the template reads; a literal in the template is refused.
  const cfg = await handEdit('chart', 'chart-cfg', { level: '5', fixed: 'no' });
  await refused('chart', 'ConfigMap/chart-cfg', ['data.fixed'], 'GITOPS_TEMPLATED', /chart\/templates\/cm\.yaml:7 writes "fixed: "yes"", not one \{\{ \.Values\.KEY \}\}/);
  // On a new branch this time (what the command does by default): values.yaml changed there, the tracked branch not yet.
  const chart = await client.post<AdoptResult>(`${app('chart')}/adopt`, { object: 'ConfigMap/chart-cfg', fields: ['data.level'], newBranch: true });
  assert.deepEqual([chart.outcome, chart.pending, chart.changes.map((c) => [c.file, c.line, c.key, c.to])], ['committed', true, [['chart/values.yaml', 2, 'level', '5']]]);
  assert.equal(await show('chart/values.yaml', chart.branch), '# chart defaults\nlevel: "5"   # raised by hand in incidents\n');
  assert.equal(await show('chart/values.yaml'), FILES['chart/values.yaml']);
  assert.equal((await client.get<ResourceDetailBody>(`${app('chart')}/resources/${encodeURIComponent(cfg)}`)).sync, 'OutOfSync', 'still paused, not healed');
  // Merged (a fast-forward of main to the branch) and applied: self-heal resumes by itself and heals the literal back.
  await run('git', ['--git-dir', bare, 'update-ref', 'refs/heads/main', chart.branch]);
  await agent.refresh('chart');
  await eventually('chart-cfg resumed and healed to the template\'s literal, the adopted level kept', async () => {
    const read = await client.get<ResourceDetailBody>(`${app('chart')}/resources/${encodeURIComponent(cfg)}`);
    const data = read.live?.data as Record<string, string> | undefined;
    return read.sync === 'Synced' && data?.fixed === 'yes' && data.level === '5' ? true : undefined;
  });
  const resumed = await eventually('the resume in the ledger', async () => {
    const page = await client.get<{ items: { details: Record<string, unknown> }[] }>('/api/v1/events?kind=adoption-resumed&limit=10');
    return page.items.length > 0 ? page : undefined;
  });
  assert.deepEqual(resumed.items.map((e) => [e.details.object, e.details.branch]), [[cfg, chart.branch]]);

  // A chart of a Helm repository: refused before anything is paused, saying why.
  await handEdit('remote', 'remote-cfg', { level: '9' });
  await refused('remote', 'ConfigMap/remote-cfg', ['data.level'], 'HUB_REQUEST_INVALID', new RegExp(`was rendered by Helm from the chart remote 1\\.0\\.0 of the Helm repository ${charts.url.replace(/[.:/]/g, '\\$&')}, not from files of a Git repository`));

  // Helm with values files and inline values: the value is written where the winning one comes from.
  // (layered first applies main as moved above, so the pause below is not undone by a new revision.)
  const mainNow = (await run('git', ['--git-dir', bare, 'rev-parse', 'main'])).stdout.trim();
  await agent.refresh('layered');
  await eventually('layered at main', async () => ((await client.get<{ revision: string }>(app('layered'))).revision === mainNow ? true : undefined));
  const layered = await handEdit('layered', 'layered-cfg', { level: '6', tier: 'db' });
  await refused('layered', 'ConfigMap/layered-cfg', ['data.tier'], 'GITOPS_VALUE_NOT_IN_REPO', /the values key "tier" is set by the inline spec\.source\.helm\.values of the Application \(at "tier"\), in the Application file \S+layered\S* spec\.source\.helm\.values, which is not in the Git repository \(the agent loaded it from a local file, not from a repository\)/);
  const eu = await adopt('layered', 'ConfigMap/layered-cfg', ['data.level']);
  assert.deepEqual([eu.outcome, eu.changes.map((c) => [c.file, c.line, c.key, c.from, c.to])], ['committed', [['layered/values-eu.yaml', 2, 'level', '4', '6']]]);
  assert.equal(await show('layered/values-eu.yaml'), '# eu, over prod\nlevel: "6"   # the region\'s\n', 'the last values file that sets the key, its bytes kept');
  assert.equal(await show('layered/values-prod.yaml'), FILES['layered/values-prod.yaml']);
  assert.equal(await show('layered/values.yaml'), FILES['layered/values.yaml']);
  // Applied and resumed: level stays as adopted, tier heals back to the inline value.
  await eventually('layered-cfg healed to the inline tier, the adopted level kept', async () => {
    const data = (await client.get<ResourceDetailBody>(`${app('layered')}/resources/${encodeURIComponent(layered)}`)).live?.data as Record<string, string> | undefined;
    return data?.tier === 'api' && data.level === '6' ? true : undefined;
  });

  // App of apps: a key the child's own valuesObject sets is written into the child's file in Git, exactly that line.
  const inline = await handEdit('inline', 'inline-cfg', { tier: 'db' });
  // On a new branch: the child renders the new value only once its parent applies the merge.
  const child = await client.post<AdoptResult>(`${app('inline')}/adopt`, { object: 'ConfigMap/inline-cfg', fields: ['data.tier'], newBranch: true });
  assert.deepEqual([child.outcome, child.changes.map((c) => [c.file, c.line, c.key, c.from, c.to])], ['committed', [['apps/inline.yaml', 11, 'spec.source.helm.valuesObject.tier', 'api', 'db']]]);
  assert.equal(await show('apps/inline.yaml', child.branch), childApplication(fixture.repoURL, namespace).replace('tier: api', 'tier: db'));
  await run('git', ['--git-dir', bare, 'update-ref', 'refs/heads/main', child.branch]);
  await agent.refresh('apps');
  await eventually('inline-cfg rendered from the adopted valuesObject', async () => {
    const read = await client.get<ResourceDetailBody>(`${app('inline')}/resources/${encodeURIComponent(inline)}`);
    return read.sync === 'Synced' && (read.live?.data as Record<string, string> | undefined)?.tier === 'db' ? true : undefined;
  });
});
