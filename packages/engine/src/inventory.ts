/**
 * The inventory: the keys of every object this application may have created and not yet
 * pruned. It grows before a pass changes anything and shrinks after, as cli-utils' and kpt's
 * inventories do, so a pass killed half-way never leaves an object nobody knows about.
 */
import { keyId, type LiveObject, type ObjectKey } from '@trueup/api';

/**
 * The inventory to save before applying: the previous one and every desired key. A pass that
 * dies after creating some of these leaves them listed, so a later pass prunes them when Git
 * drops them.
 */
export function inventoryBeforeApply(previous: readonly ObjectKey[], desired: readonly ObjectKey[]): ObjectKey[] {
  return sortedUnique([...previous, ...desired]);
}

/**
 * The inventory after a pass: of the keys listed before applying, those that exist now, minus
 * those pruned. A key whose object is absent leaves (deleted by hand, pruned by a pass that died
 * before saving, never created because its apply failed); a key whose live state is unknown (its
 * observe failed) or was not observed stays, since forgetting it could orphan the object.
 */
export function inventoryAfterPass(listed: readonly ObjectKey[], live: readonly LiveObject[], pruned: readonly ObjectKey[]): ObjectKey[] {
  const prunedIds = new Set(pruned.map(keyId));
  const liveById = new Map(live.map((object) => [keyId(object.key), object]));
  return sortedUnique(listed.filter((key) => {
    const id = keyId(key);
    if (prunedIds.has(id)) return false;
    const observed = liveById.get(id);
    return observed === undefined || mayExist(observed);
  }));
}

/** Whether an observed object exists, or may: its observe failed, so nobody knows. */
export function mayExist(live: LiveObject): boolean {
  return live.manifest !== undefined || live.status?.['error'] !== undefined;
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

function sortedUnique(keys: readonly ObjectKey[]): ObjectKey[] {
  const byId = new Map<string, ObjectKey>();
  for (const key of keys) byId.set(keyId(key), key);
  return [...byId.values()].sort((a, b) => (keyId(a) < keyId(b) ? -1 : 1));
}
