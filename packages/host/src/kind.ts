/** What every host kind implements, and what the provider hands each of them. */
import type { ApplyRequest, DesiredObject, LiveObject, Manifest, ObjectKey } from '@trueup/api';
import type { ObjectPaths } from './object-paths.ts';
import type { OwnWrites } from './own-writes.ts';
import type { Owners } from './owners.ts';
import type { RootFs } from './root-fs.ts';
import type { StateStore } from './state-store.ts';

export interface HostContext {
  fs: RootFs;
  owners: Owners;
  own: OwnWrites;
  state: StateStore;
  paths: ObjectPaths;
}

export interface KindHandler {
  /** Live state of one object; `desired` is undefined for an object only the inventory still names. */
  observe(key: ObjectKey, desired: DesiredObject | undefined): Promise<LiveObject>;
  apply(request: ApplyRequest): Promise<void>;
  delete(live: LiveObject): Promise<void>;
}

/** A live manifest for a key and an observed spec. */
export function liveManifest(key: ObjectKey, spec: Record<string, unknown>): Manifest {
  return { apiVersion: key.apiVersion, kind: key.kind, metadata: { name: key.name }, spec };
}

export function absent(key: ObjectKey, status?: Record<string, unknown>): LiveObject {
  return status === undefined ? { key, manifest: undefined } : { key, manifest: undefined, status };
}

/** The spec of a desired object, typed by its kind's schema (render has validated it). */
export function specOf<T>(desired: DesiredObject): T {
  return (desired.manifest.spec ?? {}) as T;
}

/** The path a live object was observed at, for delete. */
export function livePath(live: LiveObject): string | undefined {
  const path = live.manifest?.spec?.path;
  return typeof path === 'string' ? path : undefined;
}
