/** What of a Kubernetes object counts when two versions of it are compared, and what a patch may show. */
import type { ObjectKey } from '@trueup/api';
import { isPlainObject } from './compare.ts';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** Metadata the API server writes on every change; never a difference. */
const SERVER_METADATA = ['managedFields', 'resourceVersion', 'generation', 'uid', 'creationTimestamp', 'selfLink'] as const;

/**
 * A copy without server-written metadata, kubectl's last-applied annotation, empty label and
 * annotation maps, and `status` (observed, never desired).
 */
export function normalizeKubeObject(object: Record<string, unknown>): Record<string, unknown> {
  const { status: _status, ...rest } = object;
  if (!isPlainObject(rest.metadata)) return rest;
  const metadata: Record<string, unknown> = { ...rest.metadata };
  for (const field of SERVER_METADATA) delete metadata[field];
  if (isPlainObject(metadata.annotations) && LAST_APPLIED_ANNOTATION in metadata.annotations) {
    const { [LAST_APPLIED_ANNOTATION]: _lastApplied, ...annotations } = metadata.annotations;
    metadata.annotations = annotations;
  }
  for (const field of ['annotations', 'labels'] as const) {
    const map = metadata[field];
    if (map === null || (isPlainObject(map) && Object.keys(map).length === 0)) delete metadata[field];
  }
  return { ...rest, metadata };
}

export function isSecret(key: Pick<ObjectKey, 'apiVersion' | 'kind'>): boolean {
  return key.apiVersion === 'v1' && key.kind === 'Secret';
}

export const REDACTED = '<redacted>';
export const REDACTED_CHANGED = '<redacted, changed>';

/**
 * Both sides of a Secret's patch with the values of `data` and `stringData` hidden. Keys stay, so
 * the patch still says which entries differ: a value that differs from the other side's reads
 * `<redacted, changed>` on the Git side.
 */
export function redactSecretPair(live: unknown, wanted: unknown): [unknown, unknown] {
  if (!isPlainObject(live) || !isPlainObject(wanted)) return [live, wanted];
  const redactedLive = { ...live };
  const redactedWanted = { ...wanted };
  for (const field of ['data', 'stringData'] as const) {
    const before = live[field];
    const after = wanted[field];
    if (isPlainObject(before)) redactedLive[field] = mapValues(before, () => REDACTED);
    if (isPlainObject(after)) redactedWanted[field] = mapValues(after, (value, key) => (isPlainObject(before) && key in before && before[key] !== value ? REDACTED_CHANGED : REDACTED));
  }
  return [redactedLive, redactedWanted];
}

function mapValues(map: Record<string, unknown>, to: (value: unknown, key: string) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([key, value]) => [key, to(value, key)]));
}
