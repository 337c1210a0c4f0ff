/** Builders for engine tables: host objects in a line. Used by tests only. */
import { keyOf, type DesiredObject, type LiveObject, type Manifest } from '@trueup/api';

export function hostManifest(kind: string, name: string, spec: Record<string, unknown>): Manifest {
  return { apiVersion: 'host.trueup.dev/v1alpha1', kind, metadata: { name }, spec };
}

export function desiredOf(manifest: Manifest, file = 'hosts/app.yaml', line = 1): DesiredObject {
  return { key: keyOf(manifest), manifest, origin: { file, line } };
}

export function liveOf(manifest: Manifest, status?: Record<string, unknown>): LiveObject {
  return status === undefined ? { key: keyOf(manifest), manifest } : { key: keyOf(manifest), manifest, status };
}

export function absent(manifest: Manifest): LiveObject {
  return { key: keyOf(manifest), manifest: undefined };
}
