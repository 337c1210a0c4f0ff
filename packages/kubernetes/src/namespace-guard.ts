/**
 * A Namespace is pruned only when it holds nothing this application does not own: deleting it
 * would delete everything in it. Objects every namespace gets from the cluster itself (the
 * `default` ServiceAccount, the root CA ConfigMap, events, leases, endpoints) do not count. What
 * cannot be listed is a doubt, and a doubt keeps the namespace (another application's inventory
 * is another application's object).
 */
import { isTrueupError } from '@trueup/api';
import type { ClusterSession } from './cluster-session.ts';
import { resourcePath, type ResourceInfo } from './discovery.ts';
import { KubeErrors, type KubeErrorCode } from './errors.ts';
import { kubeStatusOf } from './kube-client.ts';
import { mapLimit } from './map-limit.ts';
import { APPLICATION_LABEL } from './resource-watch.ts';

const CLUSTER_MADE = new Set(['v1/events', 'events.k8s.io/v1/events', 'v1/endpoints', 'discovery.k8s.io/v1/endpointslices', 'coordination.k8s.io/v1/leases', 'v1/bindings', 'authorization.k8s.io/v1/localsubjectaccessreviews']);
const CLUSTER_MADE_OBJECTS = new Set(['ServiceAccount/default', 'ConfigMap/kube-root-ca.crt']);

export async function assertNamespaceOwned(session: ClusterSession, namespace: string, application: string): Promise<void> {
  const resources = (await session.discovery.namespacedResources()).filter((r) => !CLUSTER_MADE.has(`${r.apiVersion}/${r.resource}`));
  const foreign = await mapLimit(resources, 8, async (info) => {
    const list = await session.client.request<{ items?: Array<{ metadata: { name: string; labels?: Record<string, string>; ownerReferences?: unknown[] } }> }>('GET', resourcePath(info, namespace), {
      query: { labelSelector: `${APPLICATION_LABEL}!=${application}`, limit: '50' },
    }).catch((error: unknown) => notListable(error, info, namespace));
    return (list.items ?? [])
      .filter((item) => !CLUSTER_MADE_OBJECTS.has(`${info.kind}/${item.metadata.name}`) && (item.metadata.ownerReferences ?? []).length === 0)
      .map((item) => `${info.kind}/${item.metadata.name}`);
  });
  const names = foreign.flat();
  if (names.length > 0) {
    throw KubeErrors.create('KUBE_NAMESPACE_NOT_EMPTY', `Namespace/${namespace} is not pruned: it holds ${names.length > 5 ? `${names.slice(0, 5).join(', ')} and more` : names.join(', ')}, not owned by application ${application}`);
  }
}

/** A resource gone since discovery (404) or not listable after all (405) holds nothing; any other failure stops the prune. */
function notListable(error: unknown, info: ResourceInfo, namespace: string): { items: [] } {
  const status = kubeStatusOf(error)?.status;
  if (status === 404 || status === 405) return { items: [] };
  const code = isTrueupError(error) && error.code.startsWith('KUBE_') ? error.code as KubeErrorCode : 'KUBE_REQUEST_FAILED';
  throw KubeErrors.create(code, `Namespace/${namespace} is not pruned: cannot list its ${info.resource}: ${(error as Error).message}`, {}, { cause: error });
}
