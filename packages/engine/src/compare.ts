/**
 * Compares the fields Git sets with the live values: fields Git leaves out are owned by someone
 * else (a default, an operator) and never make an object OutOfSync.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Field paths (`spec.mode`, `spec.env.PORT`, `spec.command`) where live differs from desired. */
export function differingFields(desired: unknown, live: unknown, path = ''): string[] {
  if (isPlainObject(desired)) {
    if (!isPlainObject(live)) return [path];
    return Object.keys(desired).flatMap((key) => differingFields(desired[key], live[key], path === '' ? key : `${path}.${key}`));
  }
  if (desired === undefined) return [];
  return deepEqual(desired, live) ? [] : [path];
}

/** The live value cut to the shape of the desired one, for a readable side-by-side. */
export function projectOnto(live: unknown, desired: unknown): unknown {
  if (!isPlainObject(desired) || !isPlainObject(live)) return live;
  const projected: Record<string, unknown> = {};
  for (const key of Object.keys(desired)) {
    if (live[key] !== undefined) projected[key] = projectOnto(live[key], desired[key]);
  }
  return projected;
}

/** Removes the values at the given JSON pointers (`/spec/replicas`); returns a copy. */
export function withoutPointers<T>(value: T, pointers: readonly string[]): T {
  if (pointers.length === 0) return value;
  const copy = structuredCloneJson(value);
  for (const pointer of pointers) {
    const parts = pointer.split('/').slice(1).map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = parts.pop();
    if (last === undefined) continue;
    let node: unknown = copy;
    for (const part of parts) node = isPlainObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[part] : undefined;
    if (isPlainObject(node)) delete node[last];
  }
  return copy;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => deepEqual(a[key], b[key]));
  }
  return false;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function structuredCloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
