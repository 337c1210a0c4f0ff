/** The inventory: the keys of everything this application has applied and not yet pruned. */
import { keyId, type ObjectKey } from '@trueup/api';

/**
 * The next inventory: every desired key that exists now, plus previous keys whose prune did
 * not happen (skipped or failed), so a later pass can still prune them.
 */
export function nextInventory(previous: readonly ObjectKey[], present: readonly ObjectKey[], pruned: readonly ObjectKey[]): ObjectKey[] {
  const prunedIds = new Set(pruned.map(keyId));
  const byId = new Map<string, ObjectKey>();
  for (const key of previous) if (!prunedIds.has(keyId(key))) byId.set(keyId(key), key);
  for (const key of present) byId.set(keyId(key), key);
  return [...byId.values()].sort((a, b) => (keyId(a) < keyId(b) ? -1 : 1));
}

/** Keys to observe in a pass: desired ∪ inventory, each once, desired first. */
export function keysToObserve(desired: readonly ObjectKey[], inventory: readonly ObjectKey[]): ObjectKey[] {
  const seen = new Set<string>();
  const keys: ObjectKey[] = [];
  for (const key of [...desired, ...inventory]) {
    const id = keyId(key);
    if (!seen.has(id)) {
      seen.add(id);
      keys.push(key);
    }
  }
  return keys;
}
