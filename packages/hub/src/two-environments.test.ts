/** A host agent and a Kubernetes agent joined to one hub: one list shows both environments. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startAgent, type Agent } from '@trueup/agent';
import { agentFixture, hostManifest, kubeNamespace, kubeTestEnv } from '@trueup/testkit';
import { startTestHub } from '@trueup/testkit/hub';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { eventually } from '@trueup/testkit/eventually';

test('a host root and a Kubernetes cluster in one hub', async (t) => {
  const defer = lastInFirstOut(t);
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const namespace = await kubeNamespace(env, t);
  const testHub = await startTestHub();
  defer(() => testHub.stop());
  const join_ = async (name: string, dir: string): Promise<string> => {
    const file = join(dir, 'join-token');
    await writeFile(file, (await testHub.client.post<{ token: string }>('/api/v1/join-tokens', { name, labels: { kind: name } })).token);
    return file;
  };
  const host = await agentFixture({ files: { 'app/f.yaml': hostManifest('File', 'motd', { path: '/etc/motd', content: 'hi\n' }) } });
  defer(() => host.cleanup());
  const cluster = await agentFixture({
    files: { 'app/cm.yaml': '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata: { mode: fast }\n' },
    destination: `{ kubernetes: { kubeconfig: "${env.kubeconfig}", namespace: ${namespace} } }`,
  });
  defer(() => cluster.cleanup());
  const agents: Agent[] = [
    await startAgent({ stateDir: host.stateDir, paths: [host.appFile], hub: { joinTokenFile: await join_('host', host.dir) } }),
    await startAgent({ stateDir: cluster.stateDir, paths: [cluster.appFile], hub: { joinTokenFile: await join_('kubernetes', cluster.dir) } }),
  ];
  defer(async () => {
    for (const agent of agents) await agent.stop({ stopServices: true });
  });
  const page = await eventually('both environments synced at the hub', async () => {
    const list = await testHub.client.get<{ items: { environment: string; name: string; sync: string; health: string }[] }>('/api/v1/applications');
    return list.items.filter((a) => a.sync === 'Synced' && a.health === 'Healthy').length === 2 ? list : undefined;
  });
  assert.deepEqual(page.items.map((a) => `${a.environment}/${a.name}`), ['host/test', 'kubernetes/test']);
  const detail = await testHub.client.get<{ status: { resources: { kind: string; namespace?: string }[] } }>('/api/v1/environments/kubernetes/applications/test');
  assert.deepEqual(detail.status.resources.map((r) => [r.kind, r.namespace]), [['ConfigMap', namespace]]);
});
