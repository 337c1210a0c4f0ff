/**
 * Which fields of an object to adopt, purely: the scalar fields the desired manifest gives whose
 * live value differs (or the fields a caller names), each with its live value. `metadata` beyond
 * labels and annotations, and `status`, are the server's, never adopted.
 */
import { formatKeyPath, parseKeyPath, type PathSegment } from '@trueup/gitops';

export interface FieldToAdopt {
  path: string;
  value: unknown;
}

type Json = Record<string, unknown>;

/** Drifted scalar leaves of `desired`, compared with `live`; a list that differs is one field (refused later as not a scalar). */
export function driftedFields(live: Json, desired: Json): FieldToAdopt[] {
  const found: FieldToAdopt[] = [];
  const walk = (want: unknown, have: unknown, segments: PathSegment[]): void => {
    if (isRecord(want)) {
      for (const [key, value] of Object.entries(want)) walk(value, isRecord(have) ? have[key] : undefined, [...segments, { kind: 'key', key }]);
      return;
    }
    if (JSON.stringify(want) === JSON.stringify(have) || have === undefined) return;
    found.push({ path: formatKeyPath(segments), value: have });
  };
  for (const [key, value] of Object.entries(desired)) {
    if (key === 'status' || key === 'apiVersion' || key === 'kind') continue;
    if (key === 'metadata') {
      const meta = isRecord(value) ? value : {};
      const liveMeta = isRecord(live['metadata']) ? live['metadata'] : {};
      for (const part of ['labels', 'annotations']) walk(meta[part], liveMeta[part], [{ kind: 'key', key: 'metadata' }, { kind: 'key', key: part }]);
      continue;
    }
    walk(value, live[key], [{ kind: 'key', key }]);
  }
  return found;
}

/** The live value at each named key path (`undefined` when live has none there). */
export function namedFields(live: Json, paths: readonly string[]): FieldToAdopt[] {
  return paths.map((path) => ({ path, value: valueAt(live, parseKeyPath(path)) }));
}

/** The scalar at `path` of `manifest` as text (how a YAML file spells it), or undefined when there is none. */
export function scalarAt(manifest: Json, path: string): string | undefined {
  const value = valueAt(manifest, parseKeyPath(path));
  if (value === null) return 'null';
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

/** Whether `manifest` (an object as Git now renders it) holds each field at its adopted value. */
export function holdsFields(manifest: Json, fields: readonly FieldToAdopt[]): boolean {
  return fields.every((field) => sameScalar(valueAt(manifest, parseKeyPath(field.path)), field.value));
}

/** Scalars compare by their text: a YAML edit writes `3` for the live 3 and `"3"` for the live "3" alike. */
function sameScalar(a: unknown, b: unknown): boolean {
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : value === undefined ? undefined : JSON.stringify(value));
  return text(a) === text(b);
}

function valueAt(root: unknown, segments: readonly PathSegment[]): unknown {
  let current = root;
  for (const segment of segments) {
    if (segment.kind === 'key') current = isRecord(current) ? current[segment.key] : undefined;
    else if (segment.kind === 'index') current = Array.isArray(current) ? current[segment.index] : undefined;
    else current = Array.isArray(current) ? current.find((item) => isRecord(item) && String(item[segment.field]) === segment.value) : undefined;
  }
  return current;
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
