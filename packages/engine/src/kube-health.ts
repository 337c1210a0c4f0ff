/**
 * Health of Kubernetes objects: a check per well-known kind (by API group and kind, any version),
 * and kstatus-style conditions for everything else.
 */
import type { Health, Manifest } from '@trueup/api';
import { apiServiceHealth, crdHealth, namespaceHealth, terminatingMessage } from './kube-health-api.ts';
import { cronJobHealth, jobHealth } from './kube-health-batch.ts';
import {
  conditionsOf, degraded, findCondition, healthy, kubeObjectOf, progressing, reasonMessage, staleGeneration, str,
  type KubeCondition, type KubeHealthCheck, type KubeObject,
} from './kube-health-fields.ts';
import { hpaHealth } from './kube-health-hpa.ts';
import { ingressHealth, kubeServiceHealth } from './kube-health-network.ts';
import { podHealth } from './kube-health-pod.ts';
import { pvcHealth } from './kube-health-storage.ts';
import { daemonSetHealth, deploymentHealth, replicaSetHealth, statefulSetHealth } from './kube-health-workloads.ts';

/** Keyed `group/Kind`; the core group is empty (`/Pod`). `extensions` is where old clusters served some of these. */
const KUBE_HEALTH_BY_KIND: Readonly<Record<string, KubeHealthCheck>> = {
  'apps/Deployment': deploymentHealth,
  'extensions/Deployment': deploymentHealth,
  'apps/StatefulSet': statefulSetHealth,
  'apps/DaemonSet': daemonSetHealth,
  'extensions/DaemonSet': daemonSetHealth,
  'apps/ReplicaSet': replicaSetHealth,
  'extensions/ReplicaSet': replicaSetHealth,
  'batch/Job': jobHealth,
  'batch/CronJob': cronJobHealth,
  '/Pod': podHealth,
  '/PersistentVolumeClaim': pvcHealth,
  '/Service': kubeServiceHealth,
  '/Namespace': namespaceHealth,
  'networking.k8s.io/Ingress': ingressHealth,
  'extensions/Ingress': ingressHealth,
  'apiregistration.k8s.io/APIService': apiServiceHealth,
  'apiextensions.k8s.io/CustomResourceDefinition': crdHealth,
  'autoscaling/HorizontalPodAutoscaler': hpaHealth,
};

/**
 * Kinds whose controller always writes `status.observedGeneration`: without it, the spec has not
 * been seen yet. Elsewhere the field is checked when present (kstatus does the same).
 */
const ROLLOUT_KINDS: ReadonlySet<string> = new Set([
  'apps/Deployment', 'extensions/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'extensions/DaemonSet', 'apps/ReplicaSet', 'extensions/ReplicaSet',
]);

/**
 * The health of a live Kubernetes object. Its status is `manifest.status`, as the API server
 * returns it; `fallbackStatus` is used only when the manifest carries none.
 */
export function kubeHealth(manifest: Manifest, fallbackStatus?: Record<string, unknown>): Health {
  const obj = kubeObjectOf(manifest, fallbackStatus);
  const kind = `${groupOf(manifest.apiVersion)}/${manifest.kind}`;
  if (str(obj.metadata.deletionTimestamp) !== '') return deletingHealth(obj, kind);
  const stale = staleGeneration(obj, ROLLOUT_KINDS.has(kind) ? { required: true, message: 'waiting for rollout to be observed' } : { required: false });
  if (stale !== undefined) return stale;
  const check = KUBE_HEALTH_BY_KIND[kind];
  return check === undefined ? kstatusHealth(obj) : check(obj);
}

/** `apps/v1` → `apps`; `v1` → `` (the core group). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/** Deletion has started but finalizers (or, for a Namespace, its content) hold the object. */
function deletingHealth(obj: KubeObject, kind: string): Health {
  if (kind === '/Namespace') return progressing(terminatingMessage(obj));
  const finalizers = Array.isArray(obj.metadata.finalizers) ? obj.metadata.finalizers.filter((f) => typeof f === 'string') : [];
  return progressing(finalizers.length === 0 ? 'being deleted' : `being deleted, waiting for finalizers: ${finalizers.join(', ')}`);
}

/**
 * Any other kind, the kstatus way (after the generation check in kubeHealth): `Stalled`,
 * `Reconciling` and `Ready` decide; an object with none of them is Healthy once it
 * exists. A condition that says which generation it describes counts only if that is the current one.
 */
export function kstatusHealth(obj: KubeObject): Health {
  const conditions = conditionsOf(obj.status.conditions);
  const isStale = (c: KubeCondition): boolean => obj.generation !== undefined && c.observedGeneration !== undefined && c.observedGeneration < obj.generation;
  const stalled = findCondition(conditions, 'Stalled');
  const reconciling = findCondition(conditions, 'Reconciling');
  const ready = findCondition(conditions, 'Ready');
  // Only conditions that would decide are checked for staleness: a leftover `Reconciling: False` proves nothing.
  const deciding = [stalled?.status === 'True' ? stalled : undefined, reconciling?.status === 'True' ? reconciling : undefined, ready];
  if (deciding.some((c) => c !== undefined && isStale(c))) return progressing(`waiting for generation ${obj.generation ?? '?'} to be observed`);

  if (stalled?.status === 'True') return degraded(reasonMessage(stalled.reason, stalled.message) || 'stalled');
  if (reconciling?.status === 'True') return progressing(reasonMessage(reconciling.reason, reconciling.message) || 'reconciling');
  if (ready?.status === 'False') return degraded(reasonMessage(ready.reason, ready.message) || 'not ready');
  if (ready?.status === 'Unknown') return progressing(reasonMessage(ready.reason, ready.message) || 'readiness unknown');
  return healthy(ready?.status === 'True' ? ready.message : undefined);
}
