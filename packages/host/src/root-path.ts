/**
 * Manifest paths, lexically: `/etc/../motd` → `["motd"]`. A `..` that climbs above `/` escapes the
 * destination root. Symlinks on disk are checked separately, by `RootFs`.
 */
import { posix } from 'node:path';
import { HostErrors } from './errors.ts';

/** The components of an absolute manifest path below `/`; throws when `..` climbs above it. */
export function pathParts(path: string, field = 'spec.path'): string[] {
  if (!path.startsWith('/')) throw HostErrors.create('HOST_PATH_INVALID', `${path}: expected an absolute path`, { field });
  if (path.includes('\0')) throw HostErrors.create('HOST_PATH_INVALID', `${JSON.stringify(path)}: contains a NUL byte`, { field });
  const parts = walkParts([], path.split('/'));
  if (parts === undefined) throw HostErrors.create('HOST_PATH_ESCAPES_ROOT', `${path}: ".." climbs above the root`, { field });
  return parts;
}

/** Like `pathParts`, for a path that names an object (not the root itself). */
export function objectPathParts(path: string, field = 'spec.path'): { parent: string[]; name: string } {
  const parts = pathParts(path, field);
  const name = parts.pop();
  if (name === undefined) throw HostErrors.create('HOST_PATH_INVALID', `${path}: the root itself cannot be managed`, { field });
  return { parent: parts, name };
}

/**
 * Applies path segments to a starting list of components; `undefined` when `..` would climb above
 * the start. Empty segments and `.` are skipped.
 */
export function walkParts(start: readonly string[], segments: readonly string[]): string[] | undefined {
  const parts = [...start];
  for (const segment of segments) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (parts.pop() === undefined) return undefined;
      continue;
    }
    parts.push(segment);
  }
  return parts;
}

/** The manifest path for components: `["etc", "motd"]` → `/etc/motd`. */
export function manifestPath(parts: readonly string[]): string {
  return `/${parts.join('/')}`;
}

/** The host path of components under a root: `/srv/r` + `["etc"]` → `/srv/r/etc`. */
export function hostPath(root: string, parts: readonly string[]): string {
  return posix.join(root, ...parts);
}

/** Components of `path` below `root`, or undefined when `path` is not under it (both normalized, absolute). */
export function partsUnder(root: string, path: string): string[] | undefined {
  const relative = posix.relative(root, posix.normalize(path));
  if (relative === '') return [];
  if (relative === '..' || relative.startsWith('../') || posix.isAbsolute(relative)) return undefined;
  return relative.split('/');
}
