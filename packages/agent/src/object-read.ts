/**
 * Reads of one object for the hub (the UI): the object as it is now, with secret values redacted
 * and cut to what the link carries, or the objects it owns (Kubernetes ownerReferences). Only an
 * object of the application, or one the cluster says it owns through others, is read (ADR 19).
 */
import { keyId, keyOf, LINK_MAX_FRAME_BYTES, parseKeyId, READ_MAX_CHILDREN, type DesiredObject, type LiveObject, type Manifest, type ObjectKey, type Provider, type ReadResult } from '@trueup/api';
import { fitObjectView, healthOf, objectView, type DiffOptions } from '@trueup/engine';

/** Largest read answer, leaving room in the link's frame for the envelope. */
const READ_MAX_BYTES = LINK_MAX_FRAME_BYTES - 64 * 1024;
/** How many ownerReferences a read follows up to an object of the application (Pod → ReplicaSet → Deployment is 2). */
const OWNER_DEPTH = 4;

/** What of an application a read looks at: its rendered objects and its last observation. */
export interface ReadContext {
  name: string;
  provider: Provider;
  desiredById: ReadonlyMap<string, DesiredObject>;
  live: readonly LiveObject[];
  diffOptions: DiffOptions;
}

export async function readObject(app: ReadContext, objectId: string, what: 'object' | 'children'): Promise<ReadResult> {
  const desired = app.desiredById.get(objectId);
  const { provider } = app;
  const key = desired?.key ?? app.live.find((l) => keyId(l.key) === objectId)?.key;
  let live: LiveObject;
  if (key !== undefined) [live = { key, manifest: undefined }] = await provider.observe([key], app.desiredById);
  else {
    // Not declared by the application: readable only when the cluster says the application owns it (a ReplicaSet of its Deployment).
    const owned = await ownedObject(app, parseKeyId(objectId));
    if (owned === undefined) return { what: 'error', code: 'AGENT_OBJECT_UNKNOWN', message: `application "${app.name}" has no object "${objectId}"` };
    live = owned;
  }
  if (what === 'object') return { what, key: objectId, ...fitObjectView(objectView(desired, live, app.diffOptions), READ_MAX_BYTES) };
  if (provider.children === undefined || live.manifest === undefined) return { what, key: objectId, items: [] };
  const { manifests, omitted } = await provider.children(live, READ_MAX_CHILDREN);
  const items = manifests.map((manifest) => {
    const child = keyOf(manifest);
    return {
      key: keyId(child), kind: child.kind, name: child.name, ...(child.namespace === undefined ? {} : { namespace: child.namespace }),
      health: healthOf({ key: child, manifest }).status, ownerKey: objectId,
    };
  });
  return { what, key: objectId, items, ...(omitted > 0 ? { omitted } : {}) };
}

/** The object, when its chain of ownerReferences (at most OWNER_DEPTH links, uid checked at each) reaches an object of the application. */
async function ownedObject(app: ReadContext, key: ObjectKey): Promise<LiveObject | undefined> {
  const { provider } = app;
  if (provider.fetch === undefined || key.kind === '' || key.name === '') return undefined;
  const fetch = (at: ObjectKey): Promise<Manifest | undefined> => provider.fetch?.(at) ?? Promise.resolve(undefined);
  const manifest = await fetch(key);
  if (manifest === undefined) return undefined;
  let current: Manifest = manifest;
  for (let depth = 0; depth < OWNER_DEPTH; depth++) {
    const refs = Array.isArray(current.metadata.ownerReferences) ? (current.metadata.ownerReferences as { apiVersion?: unknown; kind?: unknown; name?: unknown; uid?: unknown }[]) : [];
    const ref = refs.find((r) => typeof r.apiVersion === 'string' && typeof r.kind === 'string' && typeof r.name === 'string');
    if (ref === undefined) return undefined;
    const ownerKey: ObjectKey = { apiVersion: String(ref.apiVersion), kind: String(ref.kind), name: String(ref.name), ...(key.namespace === undefined ? {} : { namespace: key.namespace }) };
    const ours = app.live.find((l) => keyId(l.key) === keyId(ownerKey) && app.desiredById.has(keyId(l.key)));
    if (ours !== undefined) return ours.manifest?.metadata.uid === ref.uid ? { key, manifest } : undefined;
    const owner = await fetch(ownerKey);
    if (owner === undefined || owner.metadata.uid !== ref.uid) return undefined;
    current = owner;
  }
  return undefined;
}
