/**
 * Jsonnet through the agent into the real API server, with the pinned jsonnet the agent finds in
 * Trueup's tools folder; and a folder of files Trueup does not read is an error, not an empty
 * application that looks Synced and Healthy.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brief, getObject, kubeAgent, waitForStatus } from './testing.ts';

const MAIN = `local lib = import 'lib.libsonnet';
[lib.configMap('settings-' + std.extVar('env'), { tier: std.extVar('tier') })]
`;
const LIB = "{ configMap(name, data):: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: name }, data: data } }\n";

test('a folder of Jsonnet with extVars and libs converges to Synced and Healthy', async (t) => {
  const run = await kubeAgent(t, { 'app/main.jsonnet': MAIN, 'libs/lib.libsonnet': LIB }, {
    extraSource: 'directory: { jsonnet: { libs: [libs], extVars: [{ name: env, value: prod }, { name: tier, value: "\'web\'", code: true }] } }',
  });
  if (run === undefined) return;
  const { agent, env, namespace, first } = run;
  assert.equal(first.error, undefined, JSON.stringify(brief(first)));
  const status = await waitForStatus(agent, (s) => s.sync === 'Synced' && s.health.status === 'Healthy', 'Synced and Healthy');
  assert.deepEqual(status.resources.map((r) => `${r.kind}/${r.name} ${r.origin?.file ?? ''}`), ['ConfigMap/settings-prod app/main.jsonnet']);
  assert.deepEqual((await getObject(env, `/api/v1/namespaces/${namespace}/configmaps/settings-prod`))?.['data'], { tier: 'web' });
});

test('a folder that yields nothing but holds files Trueup does not read fails, naming them, and prunes nothing', async (t) => {
  const run = await kubeAgent(t, { 'app/cm.yaml': '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\n' }, { automated: true });
  if (run === undefined) return;
  const { agent, env, namespace, fixture, first } = run;
  assert.equal(first.error, undefined, JSON.stringify(brief(first)));
  await fixture.commit({ 'app/cm.yaml': null, 'app/main.libsonnet': '{}\n', 'app/config.cue': 'x: 1\n' });
  const failed = await agent.refresh('test');
  assert.equal(failed?.error?.code, 'API_FIELD_INVALID', JSON.stringify(brief(failed)));
  assert.match(failed?.error?.message ?? '', /^app yields no objects, but holds files that are not read: app\/config\.cue, app\/main\.libsonnet\./);
  assert.notEqual(await getObject(env, `/api/v1/namespaces/${namespace}/configmaps/kept`), undefined, 'nothing pruned');
});
