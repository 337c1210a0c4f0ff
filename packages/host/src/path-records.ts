/**
 * Before a sync: the path of every desired File, Directory and Symlink is recorded, whether or
 * not the pass will write it (an entry already right on disk is adopted without a write), so
 * each can be found and pruned once Git drops it. An object whose path moved has its old entry
 * removed first, under prune's rules (only an entry of its kind, a directory only when empty),
 * and only when prune is allowed and the object is in the inventory (a record left by an object
 * that has since gone may name a path someone else uses now); an old path another object now
 * declares is left to it.
 */
import { keyId, type DesiredObject, type ObjectKey } from '@trueup/api';
import { mapBounded } from './bounded.ts';
import { liveManifest, specOf, type HostContext, type KindHandler } from './kind.ts';
import { objectPathParts } from './root-path.ts';

export type PathKind = 'File' | 'Directory' | 'Symlink';

const CONCURRENCY = 16;

/** `prunable`: the inventoried keys whose old entry may be removed; none when prune is not allowed. */
export async function recordDesiredPaths(ctx: HostContext, kinds: Record<PathKind, KindHandler>, desired: readonly DesiredObject[], prunable: readonly ObjectKey[]): Promise<void> {
  const owned = new Set(prunable.map(keyId));
  // A path refused as written (one climbing above the root) can hold nothing of ours: its apply reports it.
  const withPaths = desired.filter((object) => isPathKind(object.key.kind) && validPath(specOf<{ path: string }>(object).path));
  const claimed = new Set(withPaths.map((object) => specOf<{ path: string }>(object).path));
  await mapBounded(withPaths, CONCURRENCY, async (object) => {
    const { path } = specOf<{ path: string }>(object);
    const recorded = await ctx.paths.get(object.key);
    if (recorded === path) return;
    if (recorded !== undefined && owned.has(keyId(object.key)) && !claimed.has(recorded)) {
      await kinds[object.key.kind as PathKind].delete({ key: object.key, manifest: liveManifest(object.key, { path: recorded }) });
    }
    await ctx.paths.set(object.key, path);
  });
}

function validPath(path: string): boolean {
  try {
    objectPathParts(path);
    return true;
  } catch {
    return false;
  }
}

function isPathKind(kind: string): kind is PathKind {
  return kind === 'File' || kind === 'Directory' || kind === 'Symlink';
}
