/**
 * Sets of field paths as Kubernetes records them in `managedFields[].fieldsV1`: a tree whose keys
 * are `f:<field>`, `k:<json of the key fields>` (an item of a keyed list), `v:<json value>` (an item
 * of a set), `i:<index>`, and `.` (the node itself, when it also has children).
 */
import { deepEqual, isPlainObject } from './compare.ts';

export type PathElement =
  | { field: string }
  | { key: Record<string, unknown> }
  | { value: unknown }
  | { index: number };

export interface FieldSet {
  /** The path of this node is in the set (a leaf, or `.` on a node with children). */
  self: boolean;
  /** By the raw fieldsV1 key (`f:spec`), so sets merge by plain key comparison. */
  children: Map<string, { element: PathElement; set: FieldSet }>;
}

export function emptyFieldSet(): FieldSet {
  return { self: false, children: new Map() };
}

/** Parses one `fieldsV1` value; keys it cannot read are skipped, never guessed. */
export function parseFieldsV1(fields: unknown): FieldSet {
  const set = emptyFieldSet();
  if (!isPlainObject(fields)) return set;
  for (const [raw, child] of Object.entries(fields)) {
    if (raw === '.') {
      set.self = true;
      continue;
    }
    const element = parseElement(raw);
    if (element === undefined) continue;
    const childSet = parseFieldsV1(child);
    if (childSet.children.size === 0) childSet.self = true;
    set.children.set(raw, { element, set: childSet });
  }
  return set;
}

function parseElement(raw: string): PathElement | undefined {
  const rest = raw.slice(2);
  try {
    switch (raw.slice(0, 2)) {
      case 'f:': return { field: rest };
      case 'k:': {
        const key: unknown = JSON.parse(rest);
        return isPlainObject(key) ? { key } : undefined;
      }
      case 'v:': return { value: JSON.parse(rest) as unknown };
      case 'i:': return /^\d+$/.test(rest) ? { index: Number(rest) } : undefined;
      default: return undefined;
    }
  } catch {
    return undefined;
  }
}

export function isEmptyFieldSet(set: FieldSet): boolean {
  return !set.self && set.children.size === 0;
}

export function unionFieldSets(...sets: readonly FieldSet[]): FieldSet {
  const union = emptyFieldSet();
  for (const set of sets) {
    union.self ||= set.self;
    for (const [raw, child] of set.children) {
      const existing = union.children.get(raw);
      union.children.set(raw, { element: child.element, set: existing === undefined ? unionFieldSets(child.set) : unionFieldSets(existing.set, child.set) });
    }
  }
  return union;
}

/** The paths of `a` that `b` does not hold. */
export function subtractFieldSet(a: FieldSet, b: FieldSet | undefined): FieldSet {
  const rest: FieldSet = { self: a.self && b?.self !== true, children: new Map() };
  for (const [raw, child] of a.children) {
    const remaining = subtractFieldSet(child.set, b?.children.get(raw)?.set);
    if (!isEmptyFieldSet(remaining)) rest.children.set(raw, { element: child.element, set: remaining });
  }
  return rest;
}

/**
 * Readable paths of a set: `spec.replicas`, `spec.template.spec.containers[name=web].image`. A list
 * item held as a whole (`.`) is one path, not one per field inside it.
 */
export function fieldSetPaths(set: FieldSet, prefix = ''): string[] {
  const paths: string[] = [];
  for (const { element, set: child } of set.children.values()) {
    const path = appendElement(prefix, element);
    if (child.self && (child.children.size === 0 || !('field' in element))) paths.push(path);
    else paths.push(...fieldSetPaths(child, path));
  }
  return paths;
}

/** Appends one element to a dotted path: `.name`, `[name=web]`, `[=value]`, `[0]`. */
export function appendElement(prefix: string, element: PathElement): string {
  if ('field' in element) return prefix === '' ? element.field : `${prefix}.${element.field}`;
  if ('index' in element) return `${prefix}[${element.index}]`;
  if ('value' in element) return `${prefix}[=${scalarText(element.value)}]`;
  return `${prefix}[${Object.entries(element.key).map(([name, value]) => `${name}=${scalarText(value)}`).join(',')}]`;
}

function scalarText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * A copy of `value` without the paths of `remove`, except those `keep` also holds: a field held by
 * both is left in, and a list item held as a whole is removed only when `keep` holds nothing in it.
 */
export function withoutFieldSet<T>(value: T, remove: FieldSet, keep?: FieldSet): T {
  return (removeFrom(value, remove, keep) ?? value) as T;
}

/** The value with the set removed, or undefined when nothing was removed. */
function removeFrom(value: unknown, remove: FieldSet, keep: FieldSet | undefined): unknown {
  if (isPlainObject(value)) return removeFromObject(value, remove, keep);
  if (Array.isArray(value)) return removeFromList(value, remove, keep);
  return undefined;
}

function removeFromObject(value: Record<string, unknown>, remove: FieldSet, keep: FieldSet | undefined): Record<string, unknown> | undefined {
  let copy: Record<string, unknown> | undefined;
  for (const [raw, { element, set }] of remove.children) {
    if (!('field' in element) || !(element.field in value)) continue;
    const kept = keep?.children.get(raw)?.set;
    if (set.children.size === 0) {
      if (kept !== undefined && !isEmptyFieldSet(kept)) continue;
      copy ??= { ...value };
      delete copy[element.field];
      continue;
    }
    const inner = removeFrom(value[element.field], set, kept);
    if (inner === undefined) continue;
    copy ??= { ...value };
    copy[element.field] = inner;
  }
  return copy;
}

function removeFromList(list: readonly unknown[], remove: FieldSet, keep: FieldSet | undefined): unknown[] | undefined {
  let changed = false;
  const out: unknown[] = [];
  list.forEach((item, index) => {
    const match = [...remove.children].find(([, child]) => matches(child.element, item, index));
    if (match === undefined) {
      out.push(item);
      return;
    }
    const [raw, { element, set }] = match;
    const kept = keep?.children.get(raw)?.set;
    if (set.self && (kept === undefined || isEmptyFieldSet(kept))) {
      changed = true;
      return;
    }
    const inner = removeFrom(item, set, kept);
    if (inner !== undefined) changed = true;
    if (inner !== undefined && 'key' in element && isPlainObject(inner) && isPlainObject(item)) {
      // An item that stays keeps the fields that identify it.
      for (const name of Object.keys(element.key)) if (!(name in inner)) inner[name] = item[name];
    }
    out.push(inner ?? item);
  });
  return changed ? out : undefined;
}

function matches(element: PathElement, item: unknown, index: number): boolean {
  if ('index' in element) return element.index === index;
  if ('value' in element) return deepEqual(element.value, item);
  if ('key' in element) return isPlainObject(item) && Object.entries(element.key).every(([name, value]) => deepEqual(item[name], value));
  return false;
}

/**
 * Where the set's leaves are in `value`, as paths of keys and list indexes (list items found by
 * their key, value or index), leaving out what `keep` holds too.
 */
export function fieldSetValuePaths(value: unknown, set: FieldSet, keep?: FieldSet, prefix: ReadonlyArray<string | number> = []): Array<Array<string | number>> {
  const paths: Array<Array<string | number>> = [];
  const keeps = (kept: FieldSet | undefined): boolean => kept !== undefined && !isEmptyFieldSet(kept);
  for (const [raw, { element, set: child }] of set.children) {
    const kept = keep?.children.get(raw)?.set;
    const visit = (inner: unknown, path: Array<string | number>): void => {
      if (child.children.size === 0) {
        if (!keeps(kept)) paths.push(path);
      } else {
        paths.push(...fieldSetValuePaths(inner, child, kept, path));
      }
    };
    if ('field' in element) {
      if (isPlainObject(value) && element.field in value) visit(value[element.field], [...prefix, element.field]);
    } else if (Array.isArray(value)) {
      (value as unknown[]).forEach((item, index) => {
        if (matches(element, item, index)) visit(item, [...prefix, index]);
      });
    }
  }
  return paths;
}
