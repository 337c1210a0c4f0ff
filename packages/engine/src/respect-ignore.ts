/**
 * Argo CD's `RespectIgnoreDifferences=true`: what `ignoreDifferences` leaves out of the comparison
 * is left alone by the apply too. Git's object is applied with the live value at every ignored
 * JSON pointer, jq path and field an ignored manager owns (or without the field, when live has
 * none), so an autoscaler's `replicas` or an injector's sidecar is not reset by a sync.
 */
import type { DesiredObject, LiveObject } from '@trueup/api';
import { isPlainObject, parsePointer } from './compare.ts';
import { fieldSetValuePaths } from './field-set.ts';
import { resolveIgnore } from './ignore-differences.ts';
import type { DiffOptions } from './object-diff.ts';

/** Git's object as it is applied: as Git says, or with what is ignored kept live when the options ask. */
export function objectToApply(desired: DesiredObject, live: LiveObject, options: DiffOptions): DesiredObject {
  if (options.respectIgnoreDifferences !== true || live.manifest === undefined) return desired; // created: Git's values
  const ignore = resolveIgnore(live.key, live.manifest, options.ignore ?? [], options.ignoreDifferences ?? []);
  const paths = [
    ...ignore.pointers.map(parsePointer).filter((path) => path !== undefined && path.length > 0),
    ...(ignore.jq ?? []).flatMap((program) => program.paths(live.manifest)),
    ...(ignore.owned === undefined ? [] : fieldSetValuePaths(live.manifest, ignore.owned, ignore.keep)),
  ];
  if (paths.length === 0) return desired;
  const manifest = structuredClone(desired.manifest);
  for (const path of paths) keepLive(manifest, live.manifest, path as ReadonlyArray<string | number>);
  return { ...desired, manifest };
}

/**
 * Sets `target` at `path` to live's value there, or removes it when live has none. The path's
 * list indexes are live's: an item with a `name` is found in Git's list by that name, another by
 * its index; an item Git does not list is left out, never added or put in another's place.
 */
function keepLive(target: unknown, live: unknown, path: ReadonlyArray<string | number>): void {
  let into = target;
  let from = live;
  for (const [index, step] of path.entries()) {
    const last = index === path.length - 1;
    if (Array.isArray(into) && Array.isArray(from)) {
      const [list, source] = [into as unknown[], from as unknown[]];
      const liveItem = source[Number(step)];
      const at = itemIndex(list, liveItem, Number(step));
      if (liveItem === undefined || at === undefined) return;
      if (last) list[at] = structuredClone(liveItem);
      [into, from] = [list[at], liveItem];
      continue;
    }
    if (!isPlainObject(into)) return;
    const key = String(step);
    const value = isPlainObject(from) ? from[key] : undefined;
    if (last) {
      if (value === undefined) delete into[key];
      else into[key] = structuredClone(value);
      return;
    }
    // Git lacks the parent: made for a field below it, never for an item of a list.
    if (into[key] === undefined && isPlainObject(value)) into[key] = {};
    [into, from] = [into[key], value];
  }
}

/** Where Git's list holds the live item: by its `name` when it has one, else at the same index. */
function itemIndex(list: readonly unknown[], liveItem: unknown, liveIndex: number): number | undefined {
  const name = isPlainObject(liveItem) ? liveItem['name'] : undefined;
  const at = name === undefined ? liveIndex : list.findIndex((item) => isPlainObject(item) && item['name'] === name);
  return Number.isInteger(at) && at >= 0 && at < list.length ? at : undefined;
}
