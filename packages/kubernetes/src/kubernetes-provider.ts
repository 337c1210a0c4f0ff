/**
 * The Kubernetes provider: observe from the shared mirror (a GET only for objects not labelled
 * yet), a server-side dry-run apply to predict what Git would change, server-side apply under
 * field manager `trueup`, careful prune, and drift from the watches.
 */
import { displayKey, isTrueupError, keyId, keyOf, type ApplyRequest, type DesiredObject, type LiveObject, type Manifest, type ObjectKey, type Provider } from '@trueup/api';
import { isHook, objectSyncOptions, TRUEUP_FIELD_MANAGER } from '@trueup/engine';
import type { ClusterSession } from './cluster-session.ts';
import { resourcePath, type ResourceInfo } from './discovery.ts';
import { DriftWatches } from './drift-watches.ts';
import { KubeErrors } from './errors.ts';
import { kubeStatusOf } from './kube-client.ts';
import { assertNamespaceOwned } from './namespace-guard.ts';
import { prepareObjects } from './prepare.ts';
import { loadInventory, saveInventory } from './inventory-object.ts';
import { APPLICATION_LABEL } from './resource-watch.ts';
import { mapLimit } from './map-limit.ts';

export const FIELD_MANAGER = TRUEUP_FIELD_MANAGER;
export const REPLACE_ANNOTATION = 'trueup.dev/replace';
const APPLY_PATCH = 'application/apply-patch+yaml';
const CONCURRENCY = 16;
const KIND_WAIT_MS = 30_000;

/** Kinds that controllers create and own, whose owners an application declares: the children a tree shows. */
const OWNED_KINDS: readonly (readonly [string, string])[] = [
  ['apps/v1', 'ReplicaSet'], ['v1', 'Pod'], ['batch/v1', 'Job'], ['apps/v1', 'ControllerRevision'], ['discovery.k8s.io/v1', 'EndpointSlice'], ['v1', 'PersistentVolumeClaim'],
];

/** How a delete treats what the object owns (`PrunePropagationPolicy`). */
export type PrunePropagation = 'foreground' | 'background' | 'orphan';

export interface KubernetesProviderOptions {
  session: ClusterSession;
  application: string;
  /** Namespace for namespaced objects that name none (`destination.kubernetes.namespace`). */
  namespace?: string | undefined;
  /** `CreateNamespace=true`: create the destination namespace when it is missing. */
  createNamespace?: boolean;
  /** Labels and annotations of the namespace CreateNamespace=true creates (`managedNamespaceMetadata`). */
  namespaceMetadata?: { labels?: Record<string, string> | undefined; annotations?: Record<string, string> | undefined } | undefined;
  /** How prune deletes (`PrunePropagationPolicy`); default `background`. */
  prunePropagation?: PrunePropagation;
}

export interface KubernetesProvider extends Provider {
  prepare(desired: readonly DesiredObject[]): Promise<DesiredObject[]>;
  loadInventory(): Promise<ObjectKey[] | undefined>;
  saveInventory(keys: readonly ObjectKey[]): Promise<void>;
  /**
   * The objects of these keys' kinds in the destination namespace that carry this application's
   * label: how objects created by a pass that died before saving the inventory are found again
   * (as Argo CD finds its own by tracking label).
   */
  findLabelled(kindsOf: readonly ObjectKey[]): Promise<ObjectKey[]>;
}

/** How many times observe reads an object that keeps moving while its prediction is asked for. */
const PAIR_ATTEMPTS = 3;

/** A dry-run result, valid while neither Git's manifest nor the live object changed. */
interface Prediction {
  desired: Manifest;
  resourceVersion: unknown;
  expected: Manifest;
}

export function createKubernetesProvider(options: KubernetesProviderOptions): KubernetesProvider {
  const { session, application } = options;
  const namespace = options.namespace ?? 'default';
  const predictions = new Map<string, Prediction>();
  const watches = new DriftWatches(session);
  /**
   * The inventory as last read or written. Only this application's agent writes it, so after the
   * first read a pass needs no request for it.
   */
  let inventory: { keys: ObjectKey[] | undefined } | undefined;
  let closed = false;

  async function resourceOf(key: ObjectKey, waitMs = 0): Promise<ResourceInfo> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const info = await session.discovery.resolve(key.apiVersion, key.kind);
      if (info !== undefined) return info;
      if (Date.now() >= deadline) throw KubeErrors.create('KUBE_KIND_UNKNOWN', `${displayKey(key)}: the cluster serves no kind ${key.kind} in ${key.apiVersion}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** An object the mirror does not hold (not ours yet, or not there): asked of the API server. */
  async function fetchObject(info: ResourceInfo, key: ObjectKey): Promise<Manifest | undefined> {
    try {
      const manifest = await session.client.request<Manifest>('GET', resourcePath(info, key.namespace, key.name));
      return { ...manifest, apiVersion: info.apiVersion, kind: info.kind };
    } catch (error) {
      if (kubeStatusOf(error)?.status === 404) return undefined;
      throw error;
    }
  }

  /**
   * The namespaces among these that do not exist: nothing can be found in them. Asked only for a
   * namespace of several objects, where one question saves the others (a first pass into a
   * namespace that CreateNamespace=true has yet to create).
   */
  async function missingNamespaces(namespaces: readonly (string | undefined)[]): Promise<Set<string>> {
    const counts = new Map<string, number>();
    for (const name of namespaces) if (name !== undefined) counts.set(name, (counts.get(name) ?? 0) + 1);
    const missing = new Set<string>();
    await Promise.all([...counts].filter(([, count]) => count > 1).map(async ([name]) => {
      try {
        await session.client.request('GET', `/api/v1/namespaces/${encodeURIComponent(name)}`);
      } catch (error) {
        const status = kubeStatusOf(error)?.status;
        if (status === 403) return; // may not read Namespaces (a namespace-scoped install): its objects are asked for one by one
        if (status !== 404) throw error;
        missing.add(name);
      }
    }));
    return missing;
  }

  async function predict(info: ResourceInfo, desired: DesiredObject, live: Manifest): Promise<Manifest> {
    const id = keyId(desired.key);
    const known = predictions.get(id);
    if (known !== undefined && known.resourceVersion === live.metadata['resourceVersion'] && sameManifest(known.desired, desired.manifest)) {
      known.desired = desired.manifest; // a new render of the same object: compared by reference from now on
      return known.expected;
    }
    const expected = await applyPatch(info, desired.manifest, true);
    // Keyed by the version the server predicted from, which may be newer than our copy of live.
    predictions.set(id, { desired: desired.manifest, resourceVersion: expected.metadata['resourceVersion'], expected });
    return expected;
  }

  /**
   * Live and the dry-run result, made from the same version of the object. The server predicts
   * from its current object, which can be newer than the copy in hand (a controller wrote the
   * object since our watch delivered it): compared with the older copy, the controller's own
   * writes (a Deployment's revision annotation) would read as drift. Then the object is read
   * again, a few times at most while it keeps moving.
   */
  async function observedPair(info: ResourceInfo, desired: DesiredObject, first: Manifest): Promise<LiveObject> {
    let live = first;
    for (let attempt = 1; ; attempt++) {
      const expected = await expectedOf(info, desired, live);
      if (expected === undefined) return { key: desired.key, manifest: live };
      const base = expected.metadata['resourceVersion'];
      if (base === undefined || base === live.metadata['resourceVersion'] || attempt === PAIR_ATTEMPTS) return { key: desired.key, manifest: live, expected };
      const current = await fetchObject(info, desired.key);
      if (current === undefined) return { key: desired.key, manifest: undefined };
      if (current.metadata['resourceVersion'] === base) return { key: desired.key, manifest: current, expected };
      live = current;
    }
  }

  /**
   * The dry-run result, or none when the server rejects Git's object (an invalid value, a changed
   * immutable field): the diff then compares the fields Git sets, and the apply reports the
   * error with the object's file and line (or replaces the object, when it allows that).
   */
  async function expectedOf(info: ResourceInfo, desired: DesiredObject, live: Manifest): Promise<Manifest | undefined> {
    try {
      return await predict(info, desired, live);
    } catch (error) {
      if (isTrueupError(error, 'KUBE_IMMUTABLE_FIELD') || isTrueupError(error, 'KUBE_INVALID')) return undefined;
      throw error;
    }
  }

  async function applyPatch(info: ResourceInfo, manifest: Manifest, dryRun: boolean): Promise<Manifest> {
    const result = await session.client.request<Manifest>('PATCH', resourcePath(info, manifest.metadata.namespace, manifest.metadata.name), {
      query: { fieldManager: FIELD_MANAGER, force: 'true', ...(dryRun ? { dryRun: 'All' } : {}) },
      body: manifest,
      contentType: APPLY_PATCH,
    });
    return { ...result, apiVersion: info.apiVersion, kind: info.kind };
  }

  async function applyOnce(info: ResourceInfo, desired: DesiredObject): Promise<Manifest> {
    try {
      return await applyPatch(info, desired.manifest, false);
    } catch (error) {
      const status = kubeStatusOf(error);
      if (status?.status === 404 && options.createNamespace === true && desired.key.namespace === namespace) {
        await ensureNamespace();
        return applyPatch(info, desired.manifest, false);
      }
      throw error;
    }
  }

  async function ensureNamespace(): Promise<void> {
    const info = await resourceOf({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
    await session.client.request('PATCH', resourcePath(info, undefined, namespace), {
      query: { fieldManager: FIELD_MANAGER },
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, ...options.namespaceMetadata } },
      contentType: APPLY_PATCH,
    });
  }

  async function deleteObject(info: ResourceInfo, key: ObjectKey, propagation: PrunePropagation = 'background'): Promise<void> {
    const propagationPolicy = `${propagation.charAt(0).toUpperCase()}${propagation.slice(1)}`;
    try {
      await session.client.request('DELETE', resourcePath(info, key.namespace, key.name), { body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy } });
    } catch (error) {
      if (kubeStatusOf(error)?.status !== 404) throw error;
    }
    (await session.mirror(info)).forget(key.namespace, key.name);
    predictions.delete(keyId(key));
  }

  async function waitGone(info: ResourceInfo, key: ObjectKey): Promise<void> {
    const deadline = Date.now() + KIND_WAIT_MS;
    while (Date.now() < deadline) {
      try {
        await session.client.request('GET', resourcePath(info, key.namespace, key.name));
      } catch (error) {
        if (kubeStatusOf(error)?.status === 404) return;
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw KubeErrors.create('KUBE_CONFLICT', `${displayKey(key)}: still being deleted after ${KIND_WAIT_MS / 1000} s`);
  }

  function record(desired: DesiredObject, applied: Manifest, mirror: { remember(manifest: Manifest): void }): void {
    watches.ownWrite(applied);
    if (applied.metadata.labels?.[APPLICATION_LABEL] !== undefined) mirror.remember(applied);
    predictions.set(keyId(desired.key), { desired: desired.manifest, resourceVersion: applied.metadata['resourceVersion'], expected: applied });
  }

  return {
    async prepare(desired) {
      return prepareObjects(desired, { discovery: session.discovery, application, namespace });
    },

    async observe(keys, desired) {
      const mirrored = await mapLimit(keys, CONCURRENCY, async (key) => {
        const info = await session.discovery.resolve(key.apiVersion, key.kind);
        return { key, info, cached: info === undefined ? undefined : (await session.mirror(info)).get(key.namespace, key.name) };
      });
      const missing = await missingNamespaces(mirrored.filter((m) => m.info !== undefined && m.cached === undefined).map((m) => m.key.namespace));
      return mapLimit(mirrored, CONCURRENCY, async ({ key, info, cached }): Promise<LiveObject> => {
        if (info === undefined) return { key, manifest: undefined };
        const manifest = cached ?? (key.namespace !== undefined && missing.has(key.namespace) ? undefined : await fetchObject(info, key));
        const wanted = desired.get(keyId(key));
        if (manifest === undefined || wanted === undefined) return { key, manifest };
        return observedPair(info, wanted, manifest);
      });
    },

    async apply({ desired }: ApplyRequest) {
      await watches.writing(desired.key, async () => {
        const info = await resourceOf(desired.key, KIND_WAIT_MS);
        const mirror = await session.mirror(info);
        try {
          record(desired, await applyOnce(info, desired), mirror);
        } catch (error) {
          if (!isTrueupError(error, 'KUBE_IMMUTABLE_FIELD')) throw error;
          if (!replaceAllowed(desired.manifest)) {
            throw KubeErrors.create('KUBE_IMMUTABLE_FIELD', `${displayKey(desired.key)}: ${error.message.replace(/^PATCH \S+: /, '')}; the object must be recreated: annotate it ${REPLACE_ANNOTATION}: "true" to allow delete and recreate`, {}, { cause: error });
          }
          await deleteObject(info, desired.key);
          await waitGone(info, desired.key);
          record(desired, await applyOnce(info, desired), mirror);
        }
      });
    },

    async delete(live) {
      if (live.manifest === undefined) return;
      const info = await session.discovery.resolve(live.key.apiVersion, live.key.kind);
      if (info === undefined) return;
      if (live.key.kind === 'Namespace' && live.key.apiVersion === 'v1') await assertNamespaceOwned(session, live.key.name, application);
      await deleteObject(info, live.key, options.prunePropagation);
    },

    watch(onDrift, onObserved) {
      return watches.watch(onDrift, onObserved);
    },

    async children(owner, limit) {
      const uid = owner.manifest?.metadata.uid;
      if (typeof uid !== 'string') return { manifests: [], omitted: 0 };
      // The kinds controllers create for the objects an application declares; listed in the owner's namespace (or the destination's).
      const where = owner.key.namespace ?? namespace;
      const lists = await mapLimit(OWNED_KINDS, CONCURRENCY, async ([apiVersion, kind]) => {
        const info = await session.discovery.resolve(apiVersion, kind);
        if (info === undefined || !info.verbs.includes('list')) return [];
        const list = await session.client.request<{ items?: Manifest[] }>('GET', resourcePath(info, where));
        const owned = (item: Manifest): boolean => Array.isArray(item.metadata.ownerReferences) && (item.metadata.ownerReferences as { uid?: unknown }[]).some((ref) => ref.uid === uid);
        return (list.items ?? []).filter(owned).map((item) => ({ ...item, apiVersion, kind }));
      });
      const all = lists.flat().sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
      return { manifests: all.slice(0, limit), omitted: Math.max(0, all.length - limit) };
    },

    async fetch(key) {
      const info = await session.discovery.resolve(key.apiVersion, key.kind);
      return info === undefined ? undefined : fetchObject(info, key);
    },

    async findLabelled(kindsOf) {
      const kinds = new Map(kindsOf.map((key) => [`${key.apiVersion}/${key.kind}`, key]));
      const found = await mapLimit([...kinds.values()], CONCURRENCY, async (key) => {
        const info = await session.discovery.resolve(key.apiVersion, key.kind);
        if (info === undefined) return [];
        // Only in the destination namespace, where this application's inventory lives: an
        // application of the same name elsewhere (another agent, another namespace) is not ours.
        const objects = (await session.mirror(info)).labelled(application).filter((manifest) => manifest.metadata.namespace === namespace).map((manifest) => ({ key: keyOf({ ...manifest, apiVersion: info.apiVersion, kind: info.kind }), manifest }));
        return objects.filter((object) => !isHook(object)).map((object) => object.key); // hooks are never inventoried nor pruned
      });
      return found.flat();
    },

    async loadInventory() {
      inventory ??= { keys: await loadInventory(session, application, namespace) };
      return inventory.keys;
    },

    async saveInventory(keys) {
      inventory = undefined; // a failed write leaves the stored one unknown: read it again
      inventory = { keys: await saveInventory(session, application, namespace, keys) };
    },

    async close() {
      if (closed) return; // the session is shared: release our use of it once
      closed = true;
      watches.stopAll();
      session.release();
    },
  };
}

/** Same object from Git: the same render, or an equal one from a later render (renders are deterministic). */
function sameManifest(a: Manifest, b: Manifest): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Whether an immutable-field change may delete and recreate the object: `trueup.dev/replace:
 * "true"`, or Argo CD's `Force=true,Replace=true` sync options, which do the same.
 */
function replaceAllowed(manifest: Manifest): boolean {
  const options = objectSyncOptions(manifest);
  return manifest.metadata.annotations?.[REPLACE_ANNOTATION] === 'true' || (options.includes('Replace=true') && options.includes('Force=true'));
}
