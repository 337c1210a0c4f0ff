/** Normal forms, so the same intent renders the same object: modes of 4 digits, clean absolute paths. */
import path from 'node:path';
import type { HostResource } from './document.ts';

export const DEFAULT_FILE_MODE = '0644';
export const DEFAULT_DIRECTORY_MODE = '0755';

/** `644` → `0644`, `01755` → `1755`; the schema has already checked the digits. */
export function normalizeMode(mode: string): string {
  return mode.length > 4 ? mode.slice(mode.length - 4) : mode.padStart(4, '0');
}

/**
 * POSIX-normalizes an absolute host path and drops a trailing slash. A path whose `..` segments
 * climb above `/` is kept as written: the host provider rejects it (HOST_PATH_ESCAPES_ROOT)
 * instead of render silently clamping it to the root.
 */
export function normalizeHostPath(hostPath: string): string {
  let depth = 0;
  for (const segment of hostPath.split('/')) {
    if (segment === '..') depth--;
    else if (segment !== '' && segment !== '.') depth++;
    if (depth < 0) return hostPath;
  }
  const normal = path.posix.normalize(hostPath);
  return normal.length > 1 ? normal.replace(/\/+$/, '') : normal;
}

const optionalPath = (value: string | undefined): { workingDir?: string } | Record<string, never> => (value === undefined ? {} : { workingDir: normalizeHostPath(value) });

/** Applies defaults the schemas leave to render and normalizes paths and modes. */
export function normalizeResource(resource: HostResource): HostResource {
  switch (resource.kind) {
    case 'File':
      return { kind: 'File', spec: { ...resource.spec, path: normalizeHostPath(resource.spec.path), mode: normalizeMode(resource.spec.mode ?? DEFAULT_FILE_MODE) } };
    case 'Directory':
      return { kind: 'Directory', spec: { ...resource.spec, path: normalizeHostPath(resource.spec.path), mode: normalizeMode(resource.spec.mode ?? DEFAULT_DIRECTORY_MODE) } };
    case 'Symlink':
      return { kind: 'Symlink', spec: { ...resource.spec, path: normalizeHostPath(resource.spec.path) } };
    case 'Command': {
      const { creates } = resource.spec;
      return { kind: 'Command', spec: { ...resource.spec, ...optionalPath(resource.spec.workingDir), ...(creates === undefined ? {} : { creates: normalizeHostPath(creates) }) } };
    }
    case 'Service':
      return { kind: 'Service', spec: { ...resource.spec, ...optionalPath(resource.spec.workingDir) } };
  }
}

/** The host path a File, Directory or Symlink manages; undefined for other kinds. */
export function managedPath(resource: HostResource): string | undefined {
  switch (resource.kind) {
    case 'File':
    case 'Directory':
    case 'Symlink':
      return normalizeHostPath(resource.spec.path);
    case 'Command':
    case 'Service':
      return undefined;
  }
}
