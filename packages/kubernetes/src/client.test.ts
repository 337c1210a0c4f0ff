/**
 * How the client and the provider fail, against the real API server: each failure has its error
 * code (401, 403, an invalid object, an unreachable server, an unreadable token file), no
 * credential in any message, and a session recovers once the server is back.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isTrueupError, keyId, type DesiredObject, type Manifest } from '@trueup/api';
import { kubeTestEnv } from '@trueup/testkit';
import { openCluster } from './cluster-session.ts';
import { kubeStatusOf } from './kube-client.ts';
import { applyObject, cuttableProxy, desired, ownSession, providerFor, providerOn, scratchNamespace } from './testing.ts';

function configMap(namespace: string, name: string): DesiredObject {
  return desired({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { a: '1' } }, 'errors');
}

const desiredMap = (...objects: DesiredObject[]) => new Map(objects.map((o) => [keyId(o.key), o]));

function code(expected: string, secret?: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(isTrueupError(error, expected), `expected ${expected}, got ${String(error)}`);
    if (secret !== undefined) assert.ok(!error.message.includes(secret), 'the credential is not in the message');
    return true;
  };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('errors: a wrong token is KUBE_UNAUTHORIZED, not retryable, and not in the message', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const provider = providerOn(ownSession(env, { token: 'not-the-right-token' }), 'errors', 'default');
  try {
    const object = configMap('default', 'x');
    await assert.rejects(provider.observe([object.key], desiredMap(object)), (error: unknown) => {
      code('KUBE_UNAUTHORIZED', 'not-the-right-token')(error);
      assert.equal((error as { retryable: boolean }).retryable, false);
      assert.equal(kubeStatusOf(error)?.status, 401);
      return true;
    });
  } finally {
    await provider.close();
  }
});

test('errors: the restricted user is KUBE_FORBIDDEN on observe and on apply', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const provider = providerOn(ownSession(env, {}, env.restrictedKubeconfig), 'errors', 'default');
  try {
    const object = configMap('default', 'forbidden');
    await assert.rejects(provider.observe([object.key], desiredMap(object)), code('KUBE_FORBIDDEN', env.restrictedToken));
    await assert.rejects(provider.apply({ desired: object, live: { key: object.key, manifest: undefined }, reason: 'create' }), (error: unknown) => {
      code('KUBE_FORBIDDEN', env.restrictedToken)(error);
      assert.match((error as Error).message, /trueup-restricted/);
      return true;
    });
  } finally {
    await provider.close();
  }
});

test('errors: an object the server rejects is KUBE_INVALID with the server’s message and causes', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const namespace = await scratchNamespace(env, 'errors-invalid');
  const provider = providerFor(env, 'errors', namespace.name);
  try {
    const service: Manifest = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: namespace.name }, spec: { selector: { app: 'web' }, ports: [{ port: 70000 }] } };
    const object = desired(service, 'errors');
    await assert.rejects(applyObject(provider, object), (error: unknown) => {
      code('KUBE_INVALID')(error);
      assert.match((error as Error).message, /spec\.ports\[0\]\.port: Invalid value: 70000: must be between 1 and 65535/);
      assert.equal(kubeStatusOf(error)?.status, 422);
      assert.ok(kubeStatusOf(error)?.causes.some((cause) => cause.field === 'spec.ports[0].port'));
      return true;
    });
  } finally {
    await provider.close();
    await namespace.remove();
  }
});

test('errors: a server nobody listens for is KUBE_UNREACHABLE and retryable', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const port = await closedPort();
  const provider = providerOn(ownSession(env, { server: `https://127.0.0.1:${port}` }), 'errors', 'default');
  try {
    const object = configMap('default', 'x');
    await assert.rejects(provider.observe([object.key], desiredMap(object)), (error: unknown) => {
      code('KUBE_UNREACHABLE', env.token)(error);
      assert.equal((error as { retryable: boolean }).retryable, true);
      assert.match((error as Error).message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      return true;
    });
  } finally {
    await provider.close();
  }
});

test('errors: a session whose server was unreachable at first works once it is back', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const namespace = await scratchNamespace(env, 'errors-recover');
  const proxy = await cuttableProxy(env.server);
  const provider = providerOn(ownSession(env, { server: proxy.server }), 'errors', namespace.name);
  const object = configMap(namespace.name, 'settings');
  try {
    proxy.cut();
    await assert.rejects(provider.observe([object.key], desiredMap(object)), code('KUBE_UNREACHABLE'));
    proxy.restore();
    const [live] = await provider.observe([object.key], desiredMap(object));
    assert.equal(live?.manifest, undefined);
    await applyObject(provider, object);
    const [applied] = await provider.observe([object.key], desiredMap(object));
    assert.deepEqual(applied?.manifest?.['data'], { a: '1' });
  } finally {
    await provider.close();
    await proxy.close();
    await namespace.remove();
  }
});

test('errors: a token file is read for every connection; one that cannot be read is KUBE_CONFIG_INVALID', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const folder = await mkdtemp(join(tmpdir(), 'trueup-token-'));
  const tokenFile = join(folder, 'token');
  await writeFile(tokenFile, 'stale-token\n');
  const provider = providerOn(ownSession(env, { token: undefined, tokenFile }), 'errors', 'default');
  const object = configMap('default', 'x');
  try {
    await assert.rejects(provider.observe([object.key], desiredMap(object)), code('KUBE_UNAUTHORIZED', 'stale-token'));
    await writeFile(tokenFile, `${env.token}\n`); // rotated
    await provider.observe([object.key], desiredMap(object));
    await rm(tokenFile);
    await assert.rejects(provider.observe([{ ...object.key, name: 'y' }], new Map()), code('KUBE_CONFIG_INVALID'));
  } finally {
    await provider.close();
    await rm(folder, { recursive: true, force: true });
  }
});

test('session: a provider closed twice does not close the session under another provider', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const namespace = await scratchNamespace(env, 'session');
  const first = providerFor(env, 'session-a', namespace.name);
  const second = providerFor(env, 'session-b', namespace.name);
  const object = configMap(namespace.name, 'settings');
  try {
    await first.close();
    await first.close();
    const [live] = await second.observe([object.key], desiredMap(object));
    assert.equal(live?.manifest, undefined);
    // A new provider for the same cluster shares the session still open.
    const third = providerFor(env, 'session-c', namespace.name);
    await third.close();
    await second.observe([object.key], desiredMap(object));
  } finally {
    await second.close();
    await namespace.remove();
  }
  // Every user gone: the next one gets a fresh session that works.
  const fresh = openCluster({ kubeconfig: env.kubeconfig });
  try {
    await fresh.discovery.resolve('v1', 'ConfigMap');
  } finally {
    fresh.release();
  }
});
