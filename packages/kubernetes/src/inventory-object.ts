/**
 * The application's inventory, kept in the cluster as a ConfigMap next to what it lists: the
 * objects this application created, so prune never touches anything else, even when the agent's
 * own state is lost.
 */
import { keyId, parseKeyId, type ObjectKey } from '@trueup/api';
import type { ClusterSession } from './cluster-session.ts';
import { kubeStatusOf } from './kube-client.ts';
import { APPLICATION_LABEL, MANAGED_BY, MANAGED_BY_LABEL } from './resource-watch.ts';

const PREFIX = 'trueup-inventory-';

export function inventoryName(application: string): string {
  return `${PREFIX}${application}`;
}

export async function loadInventory(session: ClusterSession, application: string, namespace: string): Promise<ObjectKey[] | undefined> {
  try {
    const map = await session.client.request<{ data?: Record<string, string> }>('GET', path(namespace, application));
    const text = map.data?.['objects'] ?? '';
    return text.split('\n').filter((line) => line !== '').map(parseKeyId);
  } catch (error) {
    if (kubeStatusOf(error)?.status === 404) return undefined;
    throw error;
  }
}

/** Writes the inventory; returns the keys as stored (sorted, without duplicates). */
export async function saveInventory(session: ClusterSession, application: string, namespace: string, keys: readonly ObjectKey[]): Promise<ObjectKey[]> {
  const ids = [...new Set(keys.map(keyId))].sort();
  const objects = ids.join('\n');
  await session.client.request('PATCH', path(namespace, application), {
    query: { fieldManager: 'trueup', force: 'true' },
    contentType: 'application/apply-patch+yaml',
    body: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: inventoryName(application), namespace, labels: { [MANAGED_BY_LABEL]: `${MANAGED_BY}-inventory`, [APPLICATION_LABEL]: application } },
      data: { objects },
    },
  });
  return ids.map(parseKeyId);
}

function path(namespace: string, application: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${inventoryName(application)}`;
}
