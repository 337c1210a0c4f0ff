/**
 * Live objects updated with what a watch reported between passes (status a controller wrote):
 * each reported manifest replaces the one held, the dry-run prediction stays (status is not
 * compared), and the caller learns whether any object's health moved.
 */
import { keyId, type LiveObject, type Manifest } from '@trueup/api';
import { healthOf } from './health.ts';

export function withObserved(live: readonly LiveObject[], observed: ReadonlyMap<string, Manifest>): { live: LiveObject[]; healthMoved: boolean } {
  let healthMoved = false;
  const next = live.map((object) => {
    const manifest = observed.get(keyId(object.key));
    if (manifest === undefined || object.manifest === undefined) return object;
    const updated = { ...object, manifest };
    const [before, after] = [healthOf(object), healthOf(updated)];
    healthMoved ||= before.status !== after.status || before.message !== after.message;
    return updated;
  });
  return { live: next, healthMoved };
}
