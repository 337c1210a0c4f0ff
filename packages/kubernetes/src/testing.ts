/** Helpers for the Kubernetes provider's tests: the shared test env, desired objects, foreign writes. */
import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import type { TestContext } from 'node:test';
import { keyId, keyOf, type DesiredObject, type DriftSignal, type LiveObject, type Manifest } from '@trueup/api';
import { kubeCall, kubeTestEnv, kubeToolsBin, type KubeTestEnv } from '@trueup/testkit';
import { ClusterSession, openCluster } from './cluster-session.ts';
import type { KubeClient, RequestOptions } from './kube-client.ts';
import { loadClusterCredentials, type ClusterCredentials } from './kubeconfig.ts';
import { createKubernetesProvider, type KubernetesProvider, type PrunePropagation } from './kubernetes-provider.ts';
import { APPLICATION_LABEL, MANAGED_BY, MANAGED_BY_LABEL } from './resource-watch.ts';

/**
 * The run's test env, for files that register tests inside other helpers (the conformance
 * suite): undefined when the tools are not built and CI is not set, so the caller can skip.
 */
export async function sharedKubeEnv(): Promise<KubeTestEnv | undefined> {
  if (kubeToolsBin() === undefined && process.env['CI'] !== 'true' && process.env['TRUEUP_KUBE_TESTENV'] === undefined) return undefined;
  const context = { skip: () => undefined, name: 'kubernetes' } as unknown as TestContext;
  return kubeTestEnv(context);
}

/** A namespace of its own, deleted by the returned cleanup. */
export async function scratchNamespace(env: KubeTestEnv, prefix: string): Promise<{ name: string; remove: () => Promise<void> }> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await kubeCall(env, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return { name, remove: async () => void (await kubeCall(env, 'DELETE', `/api/v1/namespaces/${name}`).catch(() => undefined)) };
}

export function providerFor(env: KubeTestEnv, application: string, namespace: string, options: { createNamespace?: boolean; prunePropagation?: PrunePropagation } = {}): KubernetesProvider {
  return createKubernetesProvider({ session: openCluster({ kubeconfig: env.kubeconfig }), application, namespace, ...options });
}

/** A desired object as prepare would give it: namespace set, ownership labels added. */
export function desired(manifest: Manifest, application: string, file = 'app/objects.yaml'): DesiredObject {
  const labeled: Manifest = { ...manifest, metadata: { ...manifest.metadata, labels: { ...manifest.metadata.labels, [MANAGED_BY_LABEL]: MANAGED_BY, [APPLICATION_LABEL]: application } } };
  return { key: keyOf(labeled), manifest: labeled, origin: { file, line: 1 } };
}

/** A write by another field manager, as `kubectl edit` or a controller would make it. */
export async function foreignPatch(env: KubeTestEnv, path: string, patch: unknown, manager = 'kubectl-edit'): Promise<void> {
  await kubeCall(env, 'PATCH', `${path}?fieldManager=${manager}`, patch, { contentType: 'application/merge-patch+json' });
}

/** A session of its own (not shared through openCluster) with these credentials, for tests that tamper with its client. */
export function ownSession(env: KubeTestEnv, overrides: { [F in keyof ClusterCredentials]?: ClusterCredentials[F] | undefined } = {}, kubeconfig = env.kubeconfig): ClusterSession {
  const credentials: Record<string, unknown> = { ...loadClusterCredentials({ kubeconfig }) };
  for (const [field, value] of Object.entries(overrides)) {
    if (value === undefined) delete credentials[field];
    else credentials[field] = value;
  }
  return new ClusterSession({ ...credentials as unknown as ClusterCredentials, id: `${String(credentials['id'])}#test-${randomBytes(4).toString('hex')}` });
}

export function providerOn(session: ClusterSession, application: string, namespace: string): KubernetesProvider {
  return createKubernetesProvider({ session: session.acquire(), application, namespace });
}

export interface RecordedRequest {
  method: string;
  path: string;
  options: RequestOptions;
}

/**
 * Records every request of the session's client. `intercept` (a fault injector) may fail a
 * request, delay it, or delay its answer: it gets the call and `send`, which makes the real one.
 */
export function recordRequests(session: ClusterSession, intercept?: (call: RecordedRequest, send: () => Promise<unknown>) => Promise<unknown>): RecordedRequest[] {
  const calls: RecordedRequest[] = [];
  const client = session.client;
  const original = client.request.bind(client);
  client.request = (async (method: string, path: string, options: RequestOptions = {}) => {
    const call = { method, path, options };
    calls.push(call);
    const send = () => original(method, path, options);
    return intercept === undefined ? send() : intercept(call, send);
  }) as KubeClient['request'];
  return calls;
}

/** Dry-run applies among recorded requests: the predictions observe asked the server for. */
export function dryRuns(calls: readonly RecordedRequest[]): RecordedRequest[] {
  return calls.filter((call) => call.method === 'PATCH' && call.options.query?.['dryRun'] !== undefined);
}

/**
 * A fault injector: a TCP proxy in front of the API server. `cut()` drops every connection and
 * refuses new ones, as a network partition between the agent and the cluster would, while other
 * clients keep talking to the server; `restore()` lets connections through again.
 */
export interface CuttableProxy {
  server: string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function cuttableProxy(target: string): Promise<CuttableProxy> {
  const url = new URL(target);
  const sockets = new Set<Socket>();
  let open = true;
  const proxy = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(url.port), url.hostname);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('error', drop);
      socket.once('close', drop);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    proxy.once('error', reject);
    proxy.listen(0, '127.0.0.1', resolve);
  });
  const { port } = proxy.address() as AddressInfo;
  const cut = (): void => {
    open = false;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  return {
    server: `https://127.0.0.1:${port}`,
    cut,
    restore: () => void (open = true),
    close: async () => {
      cut();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}

/** Drift signals of a provider's watch over `objects`, waited for one at a time. */
export function driftSignals(provider: KubernetesProvider, objects: readonly DesiredObject[]): {
  next(match: (signal: DriftSignal) => boolean, timeoutMs?: number): Promise<DriftSignal>;
  seen(): DriftSignal[];
  /** The manifests the watch reported as changed without drift (status writes, own applies). */
  observed(): Manifest[];
  close(): Promise<void>;
} {
  const seen: DriftSignal[] = [];
  const observed: Manifest[] = [];
  const waiters = new Set<{ match: (signal: DriftSignal) => boolean; resolve: (signal: DriftSignal) => void }>();
  const watch = provider.watch((signal) => {
    seen.push(signal);
    for (const waiter of waiters) if (waiter.match(signal)) waiter.resolve(signal);
  }, (_key, manifest) => observed.push(manifest));
  watch.update(objects);
  return {
    next(match, timeoutMs = 10_000) {
      const already = seen.find(match);
      if (already !== undefined) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const waiter = {
          match,
          resolve: (signal: DriftSignal) => {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(signal);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching drift signal within ${timeoutMs} ms; seen: ${JSON.stringify(seen)}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    seen: () => [...seen],
    observed: () => [...observed],
    close: () => watch.close(),
  };
}

/** Observes one object, then applies it with the reason the engine would give. */
export async function applyObject(provider: KubernetesProvider, object: DesiredObject): Promise<LiveObject> {
  const [live] = await provider.observe([object.key], new Map([[keyId(object.key), object]]));
  if (live === undefined) throw new Error('observe returned nothing');
  await provider.apply({ desired: object, live, reason: live.manifest === undefined ? 'create' : 'update' });
  return live;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
}
