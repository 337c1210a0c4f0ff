/**
 * `trueup install kubernetes` against the real API server: the manifests print and apply, and an
 * agent that authenticates as the installed ServiceAccount (a token from a TokenRequest) syncs an
 * application in its namespace and is refused anything beyond its RBAC.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runOnce, startAgent } from '@trueup/agent';
import { parseYamlDocuments } from '@trueup/api';
import { agentFixture, kubeCall, kubeNamespace, kubeRequest, kubeTestEnv } from '@trueup/testkit';
import { installManifests } from './install/manifests.ts';

const MAIN = join(import.meta.dirname, 'main.js');
const configMap = '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hello\ndata: { from: agent }\n';

function trueup(args: string[]) {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
}

test('install kubernetes prints and applies least-privilege manifests; the agent as that ServiceAccount syncs its namespace and nothing else', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const namespace = await kubeNamespace(env, t);
  const other = await kubeNamespace(env, t);
  const fixture = await agentFixture({ files: { 'app/hello.yaml': configMap } });
  t.after(() => fixture.cleanup());

  const printed = trueup(['install', 'kubernetes', '--print', '--scope', 'namespace', '--namespace', namespace, '--image', 'trueup:test', '--applications', fixture.appFile]);
  assert.equal(printed.status, 0, printed.stderr);
  const docs = parseYamlDocuments(printed.stdout, 'install.yaml').map((doc) => doc.value as { kind: string; rules?: Array<{ verbs: string[] }>; data?: Record<string, string>; spec?: { template: { spec: { serviceAccountName: string; containers: Array<{ image: string; args: string[] }> } } } });
  assert.deepEqual(docs.map((doc) => doc.kind), ['Namespace', 'ServiceAccount', 'Role', 'RoleBinding', 'ConfigMap', 'Deployment'], 'nothing cluster-wide');
  assert.deepEqual(docs[2]?.rules?.[0]?.verbs, ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], 'its namespace: read and write, never escalate, bind or impersonate');
  assert.ok(docs[4]?.data?.['app.yaml']?.includes('kind: Application'));
  const pod = docs[5]?.spec?.template.spec;
  assert.equal(pod?.serviceAccountName, 'trueup-agent');
  assert.equal(pod?.containers[0]?.image, 'trueup:test');
  assert.deepEqual(pod?.containers[0]?.args, ['agent', '--state-dir', '/var/lib/trueup', '--namespaces', namespace, '/etc/trueup/applications']);

  const applied = trueup(['install', 'kubernetes', '--scope', 'namespace', '--namespace', namespace, '--image', 'trueup:test', '--applications', fixture.appFile, '--kubeconfig', env.kubeconfig]);
  assert.equal(applied.status, 0, applied.stderr);
  assert.match(applied.stdout, new RegExp(`applied Deployment ${namespace}/trueup-agent`));
  for (const path of [`/api/v1/namespaces/${namespace}/serviceaccounts/trueup-agent`, `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings/trueup-agent`, `/apis/apps/v1/namespaces/${namespace}/deployments/trueup-agent`, `/api/v1/namespaces/${namespace}/configmaps/trueup-applications`]) {
    assert.equal((await kubeRequest(env, 'GET', path)).status, 200, path);
  }

  // The agent as the ServiceAccount, with a token from a TokenRequest, as the pod would hold it.
  const request = await kubeCall(env, 'POST', `/api/v1/namespaces/${namespace}/serviceaccounts/trueup-agent/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } }) as { status: { token: string } };
  const kubeconfig = join(fixture.dir, 'agent-kubeconfig.yaml');
  await writeFile(kubeconfig, `apiVersion: v1
kind: Config
clusters: [{ name: test, cluster: { server: "${env.server}", certificate-authority-data: ${Buffer.from(env.ca).toString('base64')} } }]
users: [{ name: agent, user: { token: "${request.status.token}" } }]
contexts: [{ name: test, context: { cluster: test, user: agent } }]
current-context: test
`, { mode: 0o600 });
  const app = (name: string, ns: string) => `apiVersion: trueup.dev/v1alpha1
kind: Application
metadata: { name: ${name} }
spec:
  source: { repoURL: "${fixture.repoURL}", ref: main, path: app }
  destination: { kubernetes: { kubeconfig: "${kubeconfig}", namespace: ${ns} } }
  syncPolicy: { automated: { prune: true, selfHeal: true } }
`;
  await writeFile(join(fixture.dir, 'inside.yaml'), app('inside', namespace));
  // Watching the whole cluster is refused to it: the agent is told its namespace, as the Deployment does.
  const [wide] = await runOnce({ stateDir: join(fixture.dir, 'state-wide'), paths: [join(fixture.dir, 'inside.yaml')], mode: 'apply' });
  assert.match(wide?.error?.message ?? '', /cannot list resource "configmaps" in API group "" at the cluster scope/, JSON.stringify(wide?.error));
  const [inside] = await runOnce({ stateDir: join(fixture.dir, 'state-inside'), paths: [join(fixture.dir, 'inside.yaml')], mode: 'apply', watchNamespaces: [namespace] });
  assert.equal(inside?.error, undefined, JSON.stringify(inside?.error));
  assert.equal(inside?.sync, 'Synced');
  assert.equal((await kubeRequest(env, 'GET', `/api/v1/namespaces/${namespace}/configmaps/hello`)).status, 200);

  // The agent's drift watch, on its namespace only, sees an edit and heals it.
  const agent = await startAgent({ stateDir: join(fixture.dir, 'state-inside'), paths: [join(fixture.dir, 'inside.yaml')], watchNamespaces: [namespace] });
  t.after(() => agent.stop());
  const from = async (): Promise<string | undefined> => (JSON.parse((await kubeRequest(env, 'GET', `/api/v1/namespaces/${namespace}/configmaps/hello`)).text) as { data?: Record<string, string> }).data?.['from'];
  await kubeCall(env, 'PATCH', `/api/v1/namespaces/${namespace}/configmaps/hello`, { data: { from: 'someone' } }, { contentType: 'application/merge-patch+json' });
  for (const deadline = Date.now() + 60_000; await from() !== 'agent';) {
    assert.ok(Date.now() < deadline, 'the edit was healed');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(agent.applications().some((status) => status.name === 'inside' && status.error === undefined));

  await writeFile(join(fixture.dir, 'outside.yaml'), app('outside', other));
  const [outside] = await runOnce({ stateDir: join(fixture.dir, 'state-outside'), paths: [join(fixture.dir, 'outside.yaml')], mode: 'apply', watchNamespaces: [namespace] });
  assert.ok(outside?.error?.code === 'KUBE_FORBIDDEN' || outside?.error?.code === 'AGENT_APPLY_FAILED', JSON.stringify(outside?.error));
  assert.match(outside?.error?.message ?? '', new RegExp(`cannot (get|patch) resource "configmaps" in API group "" in the namespace "${other}"`), JSON.stringify(outside?.error));
  assert.equal((await kubeRequest(env, 'GET', `/api/v1/namespaces/${other}/configmaps/hello`)).status, 404, 'nothing beyond its RBAC');
});

test('install kubernetes --scope cluster binds one ClusterRole with every write verb but escalate, bind and impersonate', () => {
  const docs = installManifests({ namespace: 'trueup-system', image: 'trueup:0.1.0', scope: 'cluster', applications: { 'root.yaml': 'x' } });
  assert.deepEqual(docs.map((doc) => `${doc.kind}/${doc.metadata.name}`), ['Namespace/trueup-system', 'ServiceAccount/trueup-agent', 'ClusterRole/trueup-agent', 'ClusterRoleBinding/trueup-agent', 'ConfigMap/trueup-applications', 'Deployment/trueup-agent']);
  const role = docs[2] as unknown as { rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> };
  assert.deepEqual(role.rules, [{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] }]);
});

test('install kubernetes refuses Application files the agent would refuse, and an unknown scope', async (t) => {
  const fixture = await agentFixture({ files: { 'app/hello.yaml': configMap } });
  t.after(() => fixture.cleanup());
  await writeFile(join(fixture.dir, 'bad.yaml'), 'apiVersion: trueup.dev/v1alpha1\nkind: Application\nmetadata: { name: bad }\nspec: { sorce: {} }\n');
  const bad = trueup(['install', 'kubernetes', '--print', '--applications', join(fixture.dir, 'bad.yaml')]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /bad\.yaml/);
  const scope = trueup(['install', 'kubernetes', '--print', '--scope', 'galaxy', '--applications', fixture.appFile]);
  assert.match(scope.stderr, /unknown scope "galaxy": use cluster or namespace/);
});
