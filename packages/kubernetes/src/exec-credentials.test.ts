/**
 * Kubeconfig `exec` plugins against the real API server: the plugin (a shell script, as
 * `aws eks get-token` would be) gives the token; it runs once while its credential is good, again
 * when it expires or is refused; its failures name the plugin, what it said and its install hint.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { kubeTestEnv, type KubeTestEnv } from '@trueup/testkit';
import { KubeClient } from './kube-client.ts';
import { loadClusterCredentials } from './kubeconfig.ts';

/** Counts its runs, keeps what it was told, and answers a token (the wrong one first when asked to). */
const PLUGIN = `#!/bin/sh
echo run >> "$PLUGIN_DIR/runs"
printf '%s' "$KUBERNETES_EXEC_INFO" > "$PLUGIN_DIR/info.json"
runs=$(wc -l < "$PLUGIN_DIR/runs")
token="$GOOD_TOKEN"
if [ "$WRONG_FIRST" = yes ] && [ "$runs" -eq 1 ]; then token=wrong; fi
if [ "$FAIL" = yes ]; then echo "error: the session expired; run: cloud login" >&2; exit 3; fi
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"%s}}' "$token" "$EXTRA"
`;

interface PluginRun {
  client: KubeClient;
  dir: string;
  runs: () => Promise<number>;
}

async function withPlugin(t: TestContext, env: KubeTestEnv, options: { wrongFirst?: boolean; fail?: boolean; extra?: string; exec?: Record<string, unknown> } = {}): Promise<PluginRun> {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-exec-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'plugin.sh'), PLUGIN);
  await chmod(join(dir, 'plugin.sh'), 0o755);
  const exec = {
    apiVersion: 'client.authentication.k8s.io/v1',
    command: './plugin.sh', // relative: from the kubeconfig's folder
    env: [
      { name: 'PLUGIN_DIR', value: dir },
      { name: 'GOOD_TOKEN', value: env.token },
      { name: 'WRONG_FIRST', value: options.wrongFirst === true ? 'yes' : 'no' },
      { name: 'FAIL', value: options.fail === true ? 'yes' : 'no' },
      { name: 'EXTRA', value: options.extra ?? '' },
    ],
    installHint: 'install it with: cloud components install auth-plugin',
    provideClusterInfo: true,
    interactiveMode: 'Never',
    ...options.exec,
  };
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server: env.server, 'certificate-authority-data': Buffer.from(env.ca).toString('base64') } }],
    users: [{ name: 'cloud', user: { exec } }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: 'cloud' } }],
    'current-context': 'test',
  };
  await writeFile(join(dir, 'kubeconfig'), JSON.stringify(config));
  const client = new KubeClient(loadClusterCredentials({ kubeconfig: join(dir, 'kubeconfig') }, {}));
  t.after(() => client.close());
  const runs = async () => (await readFile(join(dir, 'runs'), 'utf8').catch(() => '')).split('\n').filter((line) => line !== '').length;
  return { client, dir, runs };
}

test('exec plugin: its token authenticates; one run serves many requests; it is told the call in KUBERNETES_EXEC_INFO', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const { client, dir, runs } = await withPlugin(t, env);
  const answers = await Promise.all(Array.from({ length: 5 }, () => client.request<{ metadata: { name: string } }>('GET', '/api/v1/namespaces/default')));
  assert.deepEqual(answers.map((a) => a.metadata.name), Array(5).fill('default'));
  await client.request('GET', '/api/v1/namespaces/kube-system');
  assert.equal(await runs(), 1);
  const info = JSON.parse(await readFile(join(dir, 'info.json'), 'utf8')) as { apiVersion: string; kind: string; spec: { interactive: boolean; cluster?: { server: string } } };
  assert.equal(info.kind, 'ExecCredential');
  assert.equal(info.apiVersion, 'client.authentication.k8s.io/v1');
  assert.equal(info.spec.interactive, false);
  assert.equal(info.spec.cluster?.server, env.server, 'provideClusterInfo');
});

test('exec plugin: an expired credential is fetched again; a refused one is fetched again and the request retried once', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const expired = await withPlugin(t, env, { extra: ',"expirationTimestamp":"2001-01-01T00:00:00Z"' });
  await expired.client.request('GET', '/api/v1/namespaces/default');
  await expired.client.request('GET', '/api/v1/namespaces/default');
  assert.equal(await expired.runs(), 2);

  const lasting = await withPlugin(t, env, { extra: `,"expirationTimestamp":"${new Date(Date.now() + 3_600_000).toISOString()}"` });
  await lasting.client.request('GET', '/api/v1/namespaces/default');
  await lasting.client.request('GET', '/api/v1/namespaces/default');
  assert.equal(await lasting.runs(), 1);

  const refused = await withPlugin(t, env, { wrongFirst: true });
  const answer = await refused.client.request<{ metadata: { name: string } }>('GET', '/api/v1/namespaces/default');
  assert.equal(answer.metadata.name, 'default');
  assert.equal(await refused.runs(), 2, 'the refused token was replaced');
});

test('exec plugin: a failing or missing plugin is KUBE_EXEC_FAILED with what it said and its install hint, never a token', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const failing = await withPlugin(t, env, { fail: true });
  await assert.rejects(failing.client.request('GET', '/api/v1/namespaces/default'), (error: unknown) => {
    assert.ok(isTrueupError(error, 'KUBE_EXEC_FAILED'), String(error));
    assert.match(error.message, /exec plugin "\.\/plugin\.sh" failed \(exit 3\): error: the session expired; run: cloud login/);
    assert.ok(!error.message.includes(env.token));
    return true;
  });
  const missing = await withPlugin(t, env, { exec: { command: 'trueup-no-such-auth-plugin' } });
  await assert.rejects(missing.client.request('GET', '/api/v1/namespaces/default'), (error: unknown) => {
    assert.ok(isTrueupError(error, 'KUBE_EXEC_FAILED'), String(error));
    assert.match(error.message, /"trueup-no-such-auth-plugin" was not found \(install it with: cloud components install auth-plugin\)/);
    return true;
  });
  const garbled = await withPlugin(t, env, { extra: '}garbage' });
  await assert.rejects(garbled.client.request('GET', '/api/v1/namespaces/default'), (error: unknown) => isTrueupError(error, 'KUBE_EXEC_FAILED') && /not JSON/.test(error.message));
});
