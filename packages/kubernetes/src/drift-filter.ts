/**
 * Which watch events are drift. Controllers write `status` all the time; that is not drift. A
 * change is drift when the object was deleted, or when something other than our own apply
 * changed what Git decides: the spec (the generation moves), labels or annotations, or, for
 * objects without a generation (ConfigMap, Secret, Service…), anything outside `status`.
 */
import type { Manifest } from '@trueup/api';

export function isDrift(before: Manifest | undefined, after: Manifest | undefined): boolean {
  if (after === undefined) return before !== undefined;
  if (before === undefined) return false;
  const generation = after.metadata['generation'];
  if (typeof generation === 'number') {
    if (generation !== before.metadata['generation']) return true;
    return !sameJson(before.metadata.labels, after.metadata.labels) || !sameJson(before.metadata.annotations, after.metadata.annotations);
  }
  return !sameJson(withoutVolatile(before), withoutVolatile(after));
}

function withoutVolatile(manifest: Manifest): unknown {
  const { status: _status, metadata, ...rest } = manifest;
  const { resourceVersion: _rv, managedFields: _mf, ...meta } = metadata;
  return { ...rest, metadata: meta };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
}
