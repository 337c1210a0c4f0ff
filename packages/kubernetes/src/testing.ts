/** Helpers for the Kubernetes provider's tests: the shared test env, desired objects, foreign writes. */
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { keyOf, type DesiredObject, type Manifest } from '@trueup/api';
import { kubeCall, kubeTestEnv, kubeToolsBin, type KubeTestEnv } from '@trueup/testkit';
import { openCluster } from './cluster-session.ts';
import { createKubernetesProvider, type KubernetesProvider } from './kubernetes-provider.ts';
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

export function providerFor(env: KubeTestEnv, application: string, namespace: string, options: { createNamespace?: boolean } = {}): KubernetesProvider {
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
