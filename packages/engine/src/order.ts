/**
 * Apply order: one documented sort. Every object gets a wave id (phase, wave); waves run in
 * that order, and objects within a wave run in the in-wave order. Prune runs the same order
 * backwards.
 *
 * Host objects (apiVersion `host.trueup.dev/…`), phase `Host`:
 *   Directory → File → Symlink → Command → Service (each kind its own wave, other kinds last);
 *   within a wave, parents before children (shorter `spec.path` first), then by name.
 *
 * Kubernetes objects (any other apiVersion), sort key (phase, wave, scope, kind, namespace, name):
 *   1. phase: `Bootstrap` < `PreSync` < `Sync`. `Bootstrap` holds every CustomResourceDefinition
 *      and Namespace, whatever their sync-wave says: later objects (and hooks) need the API
 *      server to serve their kind and their namespace to exist, so the agent waits for them to
 *      be Established / Active before anything else. `PreSync` holds only hooks (see hooks.ts);
 *      every other resource is in `Sync`. PostSync and SyncFail hooks are not waves of the plan.
 *   2. wave: annotation `trueup.dev/sync-wave`, else `argocd.argoproj.io/sync-wave`: an integer,
 *      negative allowed, default 0. Hooks also read Helm's `helm.sh/hook-weight` last. An
 *      invalid value sorts as 0 and is reported by `validateSyncAnnotations`.
 *   3. scope: cluster-scoped objects (keys without a namespace) before namespaced ones.
 *   4. kind: Helm's install order (`KUBE_KIND_ORDER`), unknown kinds (custom resources) last,
 *      among themselves by kind name. The rank looks at the kind only, not the API group.
 *   5. namespace, then name, then apiVersion (so the order is total).
 */
import type { Manifest, ObjectKey } from '@trueup/api';

/** The phases a wave can belong to, in the order they run. */
export type WavePhase = 'Host' | 'Bootstrap' | 'PreSync' | 'Sync';

/** Identifies a wave: waves run by phase, then by number (lower first). */
export interface WaveId {
  phase: WavePhase;
  /** Host: the kind rank (Directory 0 … Service 4, others 5). Bootstrap: 0. PreSync, Sync: the sync wave. */
  wave: number;
}

/** What the ordering functions look at: the key, and the manifest for paths and annotations. */
export interface Ordered {
  key: ObjectKey;
  manifest?: Manifest | undefined;
}

const PHASE_RANK: Record<WavePhase, number> = { Host: 0, Bootstrap: 1, PreSync: 2, Sync: 3 };

const HOST_KIND_RANK: Record<string, number> = { Directory: 0, File: 1, Symlink: 2, Command: 3, Service: 4 };
const HOST_UNKNOWN_RANK = 5;

/** Kubernetes kinds in the order they are applied within a wave; kinds not listed go last. */
export const KUBE_KIND_ORDER: readonly string[] = [
  'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget',
  'ServiceAccount', 'Secret', 'SecretList', 'ConfigMap', 'StorageClass', 'PersistentVolume',
  'PersistentVolumeClaim', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleList', 'ClusterRoleBinding',
  'ClusterRoleBindingList', 'Role', 'RoleList', 'RoleBinding', 'RoleBindingList', 'Service', 'DaemonSet', 'Pod',
  'ReplicationController', 'ReplicaSet', 'Deployment', 'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob',
  'IngressClass', 'Ingress', 'APIService',
];
const KUBE_KIND_RANK = new Map(KUBE_KIND_ORDER.map((kind, index) => [kind, index]));

/** Where an object's sync wave is read from, first present wins. */
export const SYNC_WAVE_ANNOTATIONS: readonly string[] = ['trueup.dev/sync-wave', 'argocd.argoproj.io/sync-wave'];

/** The result of reading a sync wave: absent (0), a valid integer, or an invalid value (sorted as 0). */
export type SyncWaveRead =
  | { status: 'default'; wave: 0 }
  | { status: 'set'; wave: number; annotation: string }
  | { status: 'invalid'; wave: 0; annotation: string; value: unknown };

export function isHostKey(key: Pick<ObjectKey, 'apiVersion'>): boolean {
  return key.apiVersion.startsWith('host.trueup.dev/');
}

/** CustomResourceDefinitions and Namespaces: applied in the `Bootstrap` phase, pruned last. */
export function isBootstrapKey(key: Pick<ObjectKey, 'apiVersion' | 'kind'>): boolean {
  return (key.kind === 'CustomResourceDefinition' && key.apiVersion.startsWith('apiextensions.k8s.io/'))
    || (key.kind === 'Namespace' && key.apiVersion === 'v1');
}

/** The position of a Kubernetes kind in `KUBE_KIND_ORDER`; unknown kinds rank after all of them. */
export function kindRank(kind: string): number {
  return KUBE_KIND_RANK.get(kind) ?? KUBE_KIND_ORDER.length;
}

/** Reads the sync wave from the first of `annotations` the manifest carries. */
export function readSyncWave(manifest: Manifest | undefined, annotations: readonly string[] = SYNC_WAVE_ANNOTATIONS): SyncWaveRead {
  const present: Record<string, unknown> = manifest?.metadata.annotations ?? {};
  for (const annotation of annotations) {
    if (!Object.hasOwn(present, annotation)) continue;
    const value = present[annotation];
    const wave = parseWave(value);
    return wave === undefined ? { status: 'invalid', wave: 0, annotation, value } : { status: 'set', wave, annotation };
  }
  return { status: 'default', wave: 0 };
}

function parseWave(value: unknown): number | undefined {
  // YAML may hand over an unquoted number even though annotations are strings on the server.
  const wave = typeof value === 'number' ? value : typeof value === 'string' && /^[+-]?\d+$/.test(value) ? Number(value) : Number.NaN;
  return Number.isSafeInteger(wave) ? wave : undefined;
}

/** The wave a resource is applied in. Hooks get theirs from hooks.ts (phase PreSync or Sync). */
export function waveOf(key: ObjectKey, manifest?: Manifest): WaveId {
  if (isHostKey(key)) return { phase: 'Host', wave: HOST_KIND_RANK[key.kind] ?? HOST_UNKNOWN_RANK };
  if (isBootstrapKey(key)) return { phase: 'Bootstrap', wave: 0 };
  return { phase: 'Sync', wave: readSyncWave(manifest).wave };
}

export function compareWaves(a: WaveId, b: WaveId): number {
  return PHASE_RANK[a.phase] - PHASE_RANK[b.phase] || a.wave - b.wave;
}

/** Order within one wave: hosts by path depth then name; Kubernetes by scope, kind, namespace, name. */
export function compareInWave(a: Ordered, b: Ordered): number {
  if (isHostKey(a.key) && isHostKey(b.key)) return pathDepth(a.manifest) - pathDepth(b.manifest) || compareStrings(a.key.name, b.key.name);
  return Number(a.key.namespace !== undefined) - Number(b.key.namespace !== undefined)
    || kindRank(a.key.kind) - kindRank(b.key.kind)
    || compareStrings(a.key.kind, b.key.kind)
    || compareStrings(a.key.namespace ?? '', b.key.namespace ?? '')
    || compareStrings(a.key.name, b.key.name)
    || compareStrings(a.key.apiVersion, b.key.apiVersion);
}

/** The whole apply order of resources: wave, then in-wave. Prune uses it backwards. */
export function compareApplyOrder(a: Ordered, b: Ordered): number {
  return compareWaves(waveOf(a.key, a.manifest), waveOf(b.key, b.manifest)) || compareInWave(a, b);
}

function pathDepth(manifest: Manifest | undefined): number {
  const path = manifest?.spec?.path;
  return typeof path === 'string' ? path.split('/').filter(Boolean).length : 0;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
