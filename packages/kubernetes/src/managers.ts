/** Who changed an object, from the field managers the API server records in `managedFields`. */
import type { Manifest } from '@trueup/api';

export interface ManagerChange {
  manager: string;
  operation: string;
}

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  time?: string;
  subresource?: string;
  fieldsV1?: unknown;
}

/**
 * The manager whose entry moved between `before` and `after` (its time or its fields changed),
 * the newest first; ours (`trueup`) and status writers never count.
 */
export function lastManager(before: Manifest | undefined, after: Manifest): ManagerChange | undefined {
  const previous = new Map(entries(before).map((entry) => [entryId(entry), JSON.stringify(entry)]));
  const moved = entries(after)
    .filter((entry) => entry.manager !== 'trueup' && entry.subresource === undefined && previous.get(entryId(entry)) !== JSON.stringify(entry))
    .sort((a, b) => (b.time ?? '').localeCompare(a.time ?? ''));
  const [newest] = moved;
  return newest?.manager === undefined ? undefined : { manager: newest.manager, operation: newest.operation ?? '' };
}

function entries(manifest: Manifest | undefined): ManagedFieldsEntry[] {
  const value = manifest?.metadata['managedFields'];
  return Array.isArray(value) ? value as ManagedFieldsEntry[] : [];
}

function entryId(entry: ManagedFieldsEntry): string {
  return `${entry.manager ?? ''}|${entry.operation ?? ''}|${entry.subresource ?? ''}`;
}
