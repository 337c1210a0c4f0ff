/**
 * Objects of a Kubernetes application read through the hub on demand: a Secret's values never
 * leave the agent, and a Deployment's tree expands one level per request (Deployment →
 * ReplicaSet → Pod) from the cluster's ownerReferences. Self-heal of one object paused through
 * the hub: a kubectl-style edit is reported with who made it and left alone until resumed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startAgent } from '@trueup/agent';
import { keyId, type ResourceChildrenBody, type ResourceDetailBody } from '@trueup/api';
import type { CommandRecord, LedgerEntry } from '@trueup/store';
import { agentFixture, deploymentManifest, KWOK_TOLERATION, kubeCall, kubeNamespace, kubeTestEnv } from '@trueup/testkit';
import { startTestHub, writeJoinToken } from '@trueup/testkit/hub';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { eventually } from '@trueup/testkit/eventually';

const SECRET_VALUE = 'correct-horse-battery-staple';

test('a Kubernetes object and its owned tree, read through the hub with secrets redacted', async (t) => {
  const defer = lastInFirstOut(t);
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const namespace = await kubeNamespace(env, t);
  const testHub = await startTestHub();
  defer(() => testHub.stop());
  const { client } = testHub;
  const fixture = await agentFixture({
    files: {
      'app/settings.yaml': '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata: { mode: fast }\n',
      'app/secret.yaml': `---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\nstringData: { password: ${SECRET_VALUE} }\n`,
      'app/web.yaml': deploymentManifest({ image: 'example.invalid/web:1', podSpec: [KWOK_TOLERATION] }),
    },
    destination: `{ kubernetes: { kubeconfig: "${env.kubeconfig}", namespace: ${namespace} } }`,
  });
  defer(() => fixture.cleanup());
  const tokenFile = await writeJoinToken(client, fixture.dir, 'cluster');
  const agent = await startAgent({ stateDir: fixture.stateDir, paths: [fixture.appFile], onEvent: (e) => fixture.onEvent(e), hub: { joinTokenFile: tokenFile } });
  defer(() => agent.stop());
  const APP = '/api/v1/environments/cluster/applications/test';
  await eventually('the application at the hub', () => client.get(APP));
  const resource = (key: string, children = false): string => `${APP}/resources/${encodeURIComponent(key)}${children ? '/children' : ''}`;

  const secret = await eventually('the Secret read', () => client.get<ResourceDetailBody>(resource(`v1/Secret/${namespace}/db`)));
  assert.equal(secret.sync, 'Synced');
  assert.deepEqual(secret.live?.data, { password: `<redacted: ${SECRET_VALUE.length} bytes>` });
  const text = JSON.stringify(secret);
  assert.ok(!text.includes(SECRET_VALUE) && !text.includes(Buffer.from(SECRET_VALUE).toString('base64')), 'no secret value leaves the agent');
  assert.equal((secret.live?.metadata as { managedFields?: unknown }).managedFields, undefined);

  const deployment = await client.get<ResourceDetailBody>(resource(`apps/v1/Deployment/${namespace}/web`));
  assert.equal((deployment.live?.spec as { replicas?: number }).replicas, 1);
  assert.equal(deployment.diff, '');

  const replicaSets = await eventually('the ReplicaSet the Deployment owns', async () => {
    const page = await client.get<ResourceChildrenBody>(resource(`apps/v1/Deployment/${namespace}/web`, true));
    return page.items.length > 0 ? page : undefined;
  });
  const [replicaSet] = replicaSets.items;
  assert.equal(replicaSet?.kind, 'ReplicaSet');
  assert.equal(replicaSet?.namespace, namespace);
  assert.equal(replicaSet?.ownerKey, `apps/v1/Deployment/${namespace}/web`);
  assert.match(replicaSet?.name ?? '', /^web-/);
  const pods = await eventually('the Pod the ReplicaSet owns', async () => {
    const page = await client.get<ResourceChildrenBody>(resource(replicaSet?.key ?? '', true));
    return page.items.length > 0 ? page : undefined;
  });
  // The ReplicaSet is not in Git: it is read because the cluster says the application's Deployment owns it.
  assert.deepEqual(pods.items.map((p) => [p.kind, p.ownerKey]), [['Pod', replicaSet?.key]]);
  const pod = await client.get<ResourceDetailBody>(resource(pods.items[0]?.key ?? ''));
  assert.equal(pod.desired, null);
  assert.equal((pod.live?.metadata as { name?: string }).name, pods.items[0]?.name);
  // An object the application does not own, even in its namespace, is not read.
  await assert.rejects(client.get(resource(`v1/ServiceAccount/${namespace}/default`)), (error: unknown) => (error as { status?: number }).status === 404);
  await assert.rejects(client.get(resource(`v1/Secret/${namespace}/not-there`)), (error: unknown) => (error as { status?: number }).status === 404);

  // One object paused: a kubectl-style edit is reported (with who made it) and not healed until resumed.
  const settingsKey = `v1/ConfigMap/${namespace}/settings`;
  const paused = await client.post<CommandRecord>(`${APP}/pause?wait=true&timeout=30`, { object: settingsKey });
  assert.equal(paused.state, 'succeeded', JSON.stringify(paused.result));
  const settingsPath = `/api/v1/namespaces/${namespace}/configmaps/settings`;
  await kubeCall(env, 'PATCH', `${settingsPath}?fieldManager=kubectl-edit`, { data: { mode: 'slow' } }, { contentType: 'application/merge-patch+json' });
  await fixture.waitFor((e) => e.type === 'drift-detected' && keyId(e.key) === settingsKey, 30_000);
  await agent.refresh('test');
  const edited = await client.get<ResourceDetailBody>(resource(settingsKey));
  assert.equal(edited.sync, 'OutOfSync');
  assert.deepEqual(edited.live?.data, { mode: 'slow' });
  assert.match(edited.diff, /-\s+mode: slow[\s\S]*\+\s+mode: fast/);
  const drift = await eventually('the drift in the ledger', async () => (await client.get<{ items: LedgerEntry[] }>('/api/v1/events?environment=cluster&kind=drift')).items.find((e) => e.details.object === settingsKey));
  assert.equal(drift.details.changedBy, 'kubectl-edit');
  assert.equal(fixture.events.filter((e) => e.type === 'drift-healed' && keyId(e.key) === settingsKey).length, 0, 'not healed while paused');
  const resumed = await client.post<CommandRecord>(`${APP}/resume?wait=true&timeout=60`, { object: settingsKey });
  assert.equal(resumed.state, 'succeeded');
  assert.deepEqual((await client.get<ResourceDetailBody>(resource(settingsKey))).live?.data, { mode: 'fast' });
});
