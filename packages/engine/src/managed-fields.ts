/**
 * Who owns which fields of a Kubernetes object, and who changed it last, read from
 * `metadata.managedFields` (server-side apply's field ownership).
 */
import type { Manifest } from '@trueup/api';
import { isPlainObject } from './compare.ts';
import { emptyFieldSet, fieldSetPaths, isEmptyFieldSet, parseFieldsV1, subtractFieldSet, unionFieldSets, type FieldSet } from './field-set.ts';

/** The field manager Trueup applies with; its fields are what Git decides. */
export const TRUEUP_FIELD_MANAGER = 'trueup';

export interface ManagedFieldsEntry {
  manager: string;
  /** `Apply` or `Update`. */
  operation: string;
  apiVersion?: string;
  /** `status`, `scale`…; absent for the main resource. */
  subresource?: string;
  /** RFC 3339, second precision, as the API server writes it. */
  time?: string;
  fields: FieldSet;
}

/** The managedFields entries of an object; malformed entries are skipped. */
export function managedFieldsOf(manifest: Manifest | undefined): ManagedFieldsEntry[] {
  const entries = (manifest?.metadata as Record<string, unknown> | undefined)?.managedFields;
  if (!Array.isArray(entries)) return [];
  return entries.filter(isPlainObject).flatMap((entry): ManagedFieldsEntry[] => {
    const { manager, operation, apiVersion, subresource, time, fieldsType, fieldsV1 } = entry;
    if (typeof manager !== 'string' || (fieldsType !== undefined && fieldsType !== 'FieldsV1')) return [];
    return [{
      manager,
      operation: typeof operation === 'string' ? operation : '',
      ...(typeof apiVersion === 'string' ? { apiVersion } : {}),
      ...(typeof subresource === 'string' && subresource !== '' ? { subresource } : {}),
      ...(typeof time === 'string' ? { time } : {}),
      fields: parseFieldsV1(fieldsV1),
    }];
  });
}

/** Each manager's fields, over all its entries (an Apply and an Update entry merge). */
export function fieldsByManager(manifest: Manifest | undefined): Map<string, FieldSet> {
  const byManager = new Map<string, FieldSet>();
  for (const entry of managedFieldsOf(manifest)) byManager.set(entry.manager, unionFieldSets(byManager.get(entry.manager) ?? emptyFieldSet(), entry.fields));
  return byManager;
}

/** The fields the given managers own in the object. */
export function fieldsOwnedBy(manifest: Manifest | undefined, managers: readonly string[]): FieldSet {
  const byManager = fieldsByManager(manifest);
  return unionFieldSets(...managers.map((manager) => byManager.get(manager) ?? emptyFieldSet()));
}

export interface FieldChange {
  manager: string;
  operation: string;
  /** Paths the change touched, `status` left out: `spec.replicas`. */
  fields: string[];
}

/**
 * Which manager most recently changed the object's fields between two observations: among the
 * entries of `after` that are new, whose time moved, or whose fields grew, the newest. Without
 * `before`, the newest entry of a manager other than Trueup. Entries that touch only `status` are
 * never the answer: status is not drift.
 */
export function changedBy(before: Manifest | undefined, after: Manifest): FieldChange | undefined {
  const previous = before === undefined ? undefined : new Map(managedFieldsOf(before).map((entry) => [identity(entry), entry]));
  let best: { entry: ManagedFieldsEntry; fields: string[] } | undefined;
  for (const entry of managedFieldsOf(after)) {
    const touched = previous === undefined ? touchedWithoutHistory(entry) : touchedSince(entry, previous.get(identity(entry)));
    const fields = touched === undefined ? [] : fieldSetPaths(touched).filter((path) => !isStatusPath(path));
    if (fields.length === 0) continue;
    if (best === undefined || isNewer(entry, best.entry)) best = { entry, fields };
  }
  return best === undefined ? undefined : { manager: best.entry.manager, operation: best.entry.operation, fields: best.fields };
}

function touchedWithoutHistory(entry: ManagedFieldsEntry): FieldSet | undefined {
  return entry.manager === TRUEUP_FIELD_MANAGER ? undefined : entry.fields;
}

function touchedSince(entry: ManagedFieldsEntry, previous: ManagedFieldsEntry | undefined): FieldSet | undefined {
  if (previous === undefined) return entry.fields;
  const grown = subtractFieldSet(entry.fields, previous.fields);
  if (!isEmptyFieldSet(grown)) return grown;
  return entry.time !== previous.time ? entry.fields : undefined;
}

/** The API server keeps one entry per manager, operation and subresource, and per version for Update. */
function identity(entry: ManagedFieldsEntry): string {
  return [entry.manager, entry.operation, entry.subresource ?? '', entry.operation === 'Update' ? entry.apiVersion ?? '' : ''].join('\u0000');
}

/** Later time wins; on a tie, another manager wins over Trueup. */
function isNewer(entry: ManagedFieldsEntry, than: ManagedFieldsEntry): boolean {
  const a = timeOf(entry);
  const b = timeOf(than);
  if (a !== b) return a > b;
  return than.manager === TRUEUP_FIELD_MANAGER && entry.manager !== TRUEUP_FIELD_MANAGER;
}

function timeOf(entry: ManagedFieldsEntry): number {
  const time = entry.time === undefined ? Number.NaN : Date.parse(entry.time);
  return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
}

function isStatusPath(path: string): boolean {
  return path === 'status' || path.startsWith('status.') || path.startsWith('status[');
}
