/** What every host kind implements, and what the provider hands each of them. */
import type { Stats } from 'node:fs';
import type { ApplyRequest, DesiredObject, LiveObject, Manifest, ObjectKey } from '@trueup/api';
import { entryType } from './atomic-write.ts';
import { deleteEntry } from './delete-entry.ts';
import { lstatOrUndefined } from './root-fs.ts';
import { objectPathParts } from './root-path.ts';
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

/** How a kind that is one entry at a path (File, Directory, Symlink) reads, writes and recognizes it. */
export interface PathEntryParts<S extends { path: string }> {
  observeAt(ctx: HostContext, key: ObjectKey, path: string, spec: S | undefined): Promise<LiveObject>;
  apply(ctx: HostContext, request: ApplyRequest): Promise<void>;
  /** Whether an entry on disk is of this kind, so delete never removes something else. */
  isEntry(stats: Stats): boolean;
}

/** A kind handler for one entry at a path; objects known only from the inventory use their recorded path. */
export function pathEntryKind<S extends { path: string }>(ctx: HostContext, parts: PathEntryParts<S>): KindHandler {
  return {
    async observe(key, desired) {
      const spec = desired === undefined ? undefined : specOf<S>(desired);
      const path = spec?.path ?? (await ctx.paths.get(key));
      return path === undefined ? absent(key) : parts.observeAt(ctx, key, path, spec);
    },
    apply: (request) => parts.apply(ctx, request),
    async delete(live) {
      const path = livePath(live);
      if (path !== undefined) await deleteEntry(ctx, live.key, path, (stats) => parts.isEntry(stats));
    },
  };
}

/**
 * Observes the one entry at `path`: absent when it or its folder is missing, its type when it is
 * not the kind's (so the diff shows it), else what `describe` reads of it.
 */
export async function observeEntry(
  ctx: HostContext,
  key: ObjectKey,
  path: string,
  isEntry: (stats: Stats) => boolean,
  describe: (entry: string, stats: Stats) => Promise<Record<string, unknown>>,
): Promise<LiveObject> {
  const { parent, name } = objectPathParts(path);
  const dir = await ctx.fs.openDir(parent, 'open');
  if (dir === undefined) return absent(key);
  try {
    const stats = await lstatOrUndefined(dir.entry(name));
    if (stats === undefined) return absent(key);
    if (!isEntry(stats)) return { key, manifest: liveManifest(key, { path, type: entryType(stats) }) };
    return { key, manifest: liveManifest(key, { path, ...(await describe(dir.entry(name), stats)) }) };
  } finally {
    await dir.close();
  }
}
