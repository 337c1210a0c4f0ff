/**
 * Hooks with `metadata.generateName` and no name, the common Argo CD pattern for a job that runs
 * fresh on every sync: each sync creates a run under a name of its own and applies the hook's
 * delete policy to it. An object that is not a hook still needs a name.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kubeRequest } from '@trueup/testkit';
import { brief, historyOf, hookJob, kubeAgent } from './testing.ts';

const configMap = (value: string): string => `---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data: { value: "${value}" }
`;

async function jobNames(env: Parameters<typeof kubeRequest>[0], namespace: string): Promise<string[]> {
  const response = await kubeRequest(env, 'GET', `/apis/batch/v1/namespaces/${namespace}/jobs`);
  assert.equal(response.status, 200, response.text);
  return (JSON.parse(response.text) as { items: Array<{ metadata: { name: string } }> }).items.map((job) => job.metadata.name).sort();
}

test('a generateName hook runs under a fresh name on every sync, and its delete policy applies to each run', async (t) => {
  const run = await kubeAgent(t, {
    'app/settings.yaml': configMap('1'),
    'app/migrate.yaml': hookJob({ generateName: 'migrate-' }, 'PreSync'),
    'app/smoke.yaml': hookJob({ generateName: 'smoke-' }, 'PostSync', 'HookSucceeded'),
  });
  if (run === undefined) return;
  const { agent, env, namespace, fixture, first } = run;
  assert.equal(first.error, undefined, JSON.stringify(brief(first)));
  assert.equal(first.sync, 'Synced', JSON.stringify(brief(first)));
  const [entry] = historyOf(fixture.stateDir);
  const changes = entry?.changes.map((c) => `${c.action} ${c.key.kind}/${c.key.name}`) ?? [];
  assert.equal(changes.length, 4, changes.join('\n'));
  assert.match(changes[0]!, /^create Job\/migrate-[0-9a-f]{8}-presync-[0-9a-z]+$/);
  assert.equal(changes[1], 'create ConfigMap/settings');
  assert.match(changes[2]!, /^create Job\/smoke-[0-9a-f]{8}-postsync-[0-9a-z]+$/);
  assert.equal(changes[3], changes[2]!.replace('create', 'delete'), 'HookSucceeded deletes the PostSync run');
  const firstRuns = await jobNames(env, namespace);
  assert.deepEqual(firstRuns, [changes[0]!.slice('create Job/'.length)]);
  // Hooks are not resources: only the ConfigMap is listed.
  assert.deepEqual(first.resources.map((r) => `${r.kind}/${r.name}`), ['ConfigMap/settings']);

  // The next sync runs the unchanged PreSync hook again, under a new name; the old run stays.
  await fixture.commit({ 'app/settings.yaml': configMap('2') });
  const second = await agent.refresh('test');
  assert.equal(second?.error, undefined, JSON.stringify(brief(second)));
  const secondRuns = await jobNames(env, namespace);
  assert.equal(secondRuns.length, 2, secondRuns.join(' '));
  assert.ok(firstRuns.every((name) => secondRuns.includes(name)));
  const fresh = secondRuns.find((name) => !firstRuns.includes(name));
  assert.match(fresh ?? '', /^migrate-[0-9a-f]{8}-presync-/);
  assert.equal(fresh?.slice(0, 'migrate-'.length + 8), firstRuns[0]?.slice(0, 'migrate-'.length + 8), 'the same hook: the same hash');
});

test('generateName on an object that is not a hook is refused with its file and field, and nothing is applied', async (t) => {
  const run = await kubeAgent(t, {
    'app/settings.yaml': configMap('1'),
    'app/worker.yaml': '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: worker-\ndata: { a: b }\n',
  });
  if (run === undefined) return;
  const { env, namespace, first } = run;
  assert.deepEqual(first.error, {
    code: 'API_FIELD_INVALID', file: 'app/worker.yaml', line: 5, field: 'metadata.generateName',
    message: 'generateName is supported on hooks only (argocd.argoproj.io/hook, trueup.dev/hook or helm.sh/hook); give the object a name',
  }, JSON.stringify(brief(first)));
  const settings = await kubeRequest(env, 'GET', `/api/v1/namespaces/${namespace}/configmaps/settings`);
  assert.equal(settings.status, 404, 'nothing applied');
});
