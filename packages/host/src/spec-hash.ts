/** A stable digest of a spec: the same fields in any order give the same hash. */
import { createHash } from 'node:crypto';

export function specHash(spec: unknown): string {
  return createHash('sha256').update(stableJson(spec)).digest('hex');
}

export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key];
    return sorted;
  });
}
