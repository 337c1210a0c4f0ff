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

/** How a Secret's value shows in a diff: its size only, `<redacted: 12 bytes>`. */
export function redacted(bytes: number, changed = false): string {
  return `<redacted: ${bytes} bytes${changed ? ', changed' : ''}>`;
}

/**
 * Both sides of a Secret's patch with the values of `data` and `stringData` hidden (decoded size
 * only). Keys stay, so the patch still says which entries differ: a value that differs from the
 * other side's reads `<redacted: N bytes, changed>` on the Git side.
 */
export function redactSecretPair(live: unknown, wanted: unknown): [unknown, unknown] {
  if (!isPlainObject(live) || !isPlainObject(wanted)) return [live, wanted];
  const redactedLive = { ...live };
  const redactedWanted = { ...wanted };
  for (const field of ['data', 'stringData'] as const) {
    const before = live[field];
    const after = wanted[field];
    const size = (value: unknown): number => (field === 'data' ? base64Bytes(value) : new TextEncoder().encode(String(value)).length);
    if (isPlainObject(before)) redactedLive[field] = mapValues(before, (value) => redacted(size(value)));
    if (isPlainObject(after)) redactedWanted[field] = mapValues(after, (value, key) => redacted(size(value), isPlainObject(before) && key in before && before[key] !== value));
  }
  return [redactedLive, redactedWanted];
}

/** Host kinds whose `spec.env` values stay out of diffs: Command and Service. */
export function hasEnvValues(key: Pick<ObjectKey, 'apiVersion' | 'kind'>): boolean {
  return key.apiVersion.startsWith('host.trueup.dev/') && (key.kind === 'Command' || key.kind === 'Service');
}

/**
 * Both sides of a Command's or Service's patch with `spec.env` values hidden (size only), as for a
 * Secret: the names stay, so the patch still says which variables differ.
 */
export function redactEnvPair(live: unknown, wanted: unknown): [unknown, unknown] {
  const envOf = (side: unknown): Record<string, unknown> | undefined => (isPlainObject(side) && isPlainObject(side.spec) && isPlainObject(side.spec.env) ? side.spec.env : undefined);
  const before = envOf(live);
  const after = envOf(wanted);
  const size = (value: unknown): number => new TextEncoder().encode(String(value)).length;
  const withEnv = (side: unknown, env: Record<string, string>): unknown => (isPlainObject(side) && isPlainObject(side.spec) ? { ...side, spec: { ...side.spec, env } } : side);
  return [
    before === undefined ? live : withEnv(live, mapValues(before, (value) => redacted(size(value)))),
    after === undefined ? wanted : withEnv(wanted, mapValues(after, (value, key) => redacted(size(value), before !== undefined && key in before && before[key] !== value))),
  ];
}

/** The decoded size of a base64 value (`data` of a Secret). */
function base64Bytes(value: unknown): number {
  const text = typeof value === 'string' ? value.replace(/\s+/g, '') : '';
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((text.length * 3) / 4) - padding);
}

function mapValues(map: Record<string, unknown>, to: (value: unknown, key: string) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([key, value]) => [key, to(value, key)]));
}
