/**
 * Value comparison for diffs. Git against live compares only the fields Git sets: fields Git
 * leaves out are owned by someone else (a default, an operator) and never make an object
 * OutOfSync. Two whole objects (a dry-run result against live) compare both ways.
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

/**
 * Removes the values at the given JSON pointers (RFC 6901: `/spec/replicas`, `/metadata/labels/a~1b`,
 * `/spec/containers/0/image`); returns a copy. Array indices refer to the original value, so
 * `/list/0` and `/list/1` remove both items. Pointers that lead nowhere are skipped.
 */
export function withoutPointers<T>(value: T, pointers: readonly string[]): T {
  if (pointers.length === 0) return value;
  const copy = structuredCloneJson(value);
  const fromLists = new Map<unknown[], Set<number>>();
  const fromObjects: [Record<string, unknown>, string][] = [];
  for (const pointer of pointers) {
    const parts = parsePointer(pointer);
    const last = parts?.pop();
    if (parts === undefined || last === undefined) continue;
    let node: unknown = copy;
    for (const part of parts) node = child(node, part);
    if (isPlainObject(node) && last in node) fromObjects.push([node, last]);
    if (Array.isArray(node) && isIndex(last) && Number(last) < node.length) fromLists.set(node, (fromLists.get(node) ?? new Set()).add(Number(last)));
  }
  for (const [node, key] of fromObjects) delete node[key];
  for (const [list, indices] of fromLists) for (const index of [...indices].sort((a, b) => b - a)) list.splice(index, 1);
  return copy;
}

/** The reference tokens of a JSON pointer, unescaped; undefined for the whole document or a malformed pointer. */
export function parsePointer(pointer: string): string[] | undefined {
  if (!pointer.startsWith('/')) return undefined;
  return pointer.split('/').slice(1).map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** One reference token escaped for a JSON pointer. */
export function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

function child(node: unknown, part: string): unknown {
  if (isPlainObject(node)) return node[part];
  if (Array.isArray(node) && isIndex(part)) return node[Number(part)];
  return undefined;
}

function isIndex(part: string): boolean {
  return /^(0|[1-9]\d*)$/.test(part);
}

/**
 * Every field path where two whole objects differ, both ways: a field only one side has counts.
 * Lists of named items (containers, env, ports with names) are matched by name
 * (`spec.containers[name=web].image`), other lists of the same length by index (`spec.ports[0].port`).
 */
export function changedFields(before: unknown, after: unknown, path = ''): string[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...Object.keys(after), ...Object.keys(before).filter((key) => !(key in after))];
    return keys.flatMap((key) => changedFields(before[key], after[key], path === '' ? key : `${path}.${key}`));
  }
  if (Array.isArray(before) && Array.isArray(after) && !deepEqual(before, after)) {
    const beforeByName = byName(before);
    const afterByName = byName(after);
    if (beforeByName !== undefined && afterByName !== undefined) {
      const names = [...afterByName.keys(), ...[...beforeByName.keys()].filter((name) => !afterByName.has(name))];
      return names.flatMap((name) => changedFields(beforeByName.get(name), afterByName.get(name), `${path}[name=${name}]`));
    }
    if (before.length === after.length) return after.flatMap((item, i) => changedFields(before[i], item, `${path}[${i}]`));
  }
  return deepEqual(before, after) ? [] : [path];
}

/** Items by their `name`, when every item has a distinct string name. */
function byName(list: readonly unknown[]): Map<string, unknown> | undefined {
  const items = new Map<string, unknown>();
  for (const item of list) {
    if (!isPlainObject(item) || typeof item.name !== 'string' || items.has(item.name)) return undefined;
    items.set(item.name, item);
  }
  return items;
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
