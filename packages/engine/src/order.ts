/** Apply order: one documented sort. Hosts: Directory → File → Symlink → Command → Service. */
import type { Manifest, ObjectKey } from '@trueup/api';

const HOST_KIND_RANK: Record<string, number> = { Directory: 0, File: 1, Symlink: 2, Command: 3, Service: 4 };
const UNKNOWN_RANK = 5;

/** The wave an object is applied in; lower first. Prune runs the waves in reverse. */
export function waveOf(key: ObjectKey): number {
  return HOST_KIND_RANK[key.kind] ?? UNKNOWN_RANK;
}

/** Within a wave: parents before children for paths, then by name. */
export function compareInWave(a: { key: ObjectKey; manifest?: Manifest | undefined }, b: { key: ObjectKey; manifest?: Manifest | undefined }): number {
  const depth = pathDepth(a.manifest) - pathDepth(b.manifest);
  if (depth !== 0) return depth;
  return a.key.name < b.key.name ? -1 : a.key.name > b.key.name ? 1 : 0;
}

function pathDepth(manifest: Manifest | undefined): number {
  const path = manifest?.spec?.path;
  return typeof path === 'string' ? path.split('/').filter(Boolean).length : 0;
}
