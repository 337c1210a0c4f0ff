/**
 * Argo CD's `RespectIgnoreDifferences=true`: what `ignoreDifferences` leaves out of the comparison
 * is left alone by the apply too. Git's object is applied with the live value at every ignored
 * JSON pointer and jq path (or without the field, when live has none), so an autoscaler's
 * `replicas` or an injector's sidecar is not reset by a sync. Fields ignored by manager are not
 * touched: server-side apply already leaves what other managers own and Git does not set.
 */
import type { DesiredObject, LiveObject } from '@trueup/api';
import { isPlainObject, parsePointer } from './compare.ts';
import { resolveIgnore } from './ignore-differences.ts';
import type { DiffOptions } from './object-diff.ts';

/** Git's object as it is applied: as Git says, or with what is ignored kept live when the options ask. */
export function objectToApply(desired: DesiredObject, live: LiveObject, options: DiffOptions): DesiredObject {
  if (options.respectIgnoreDifferences !== true || live.manifest === undefined) return desired; // created: Git's values
  const ignore = resolveIgnore(live.key, live.manifest, options.ignore ?? [], options.ignoreDifferences ?? []);
  const paths = [
    ...ignore.pointers.map(parsePointer).filter((path) => path !== undefined && path.length > 0),
    ...(ignore.jq ?? []).flatMap((program) => program.paths(live.manifest)),
  ];
  if (paths.length === 0) return desired;
  const manifest = structuredClone(desired.manifest);
  for (const path of paths) keepLive(manifest, live.manifest, path as ReadonlyArray<string | number>);
  return { ...desired, manifest };
}

/**
 * Sets `target` at `path` to live's value there, or removes it when live has none. A list item
 * is followed only when both sides' items at that index are the same item (the same `name`,
 * when they have one), so another item is never overwritten.
 */
function keepLive(target: unknown, live: unknown, path: ReadonlyArray<string | number>): void {
  let into = target;
  let from = live;
  for (const [index, step] of path.entries()) {
    const last = index === path.length - 1;
    if (Array.isArray(into) && Array.isArray(from)) {
      const [list, source] = [into as unknown[], from as unknown[]];
      const at = Number(step);
      if (!Number.isInteger(at) || at < 0 || at >= list.length || at >= source.length || !sameItem(list[at], source[at])) return;
      if (last) list[at] = structuredClone(source[at]);
      [into, from] = [list[at], source[at]];
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

function sameItem(a: unknown, b: unknown): boolean {
  if (!isPlainObject(a) || !isPlainObject(b) || a['name'] === undefined || b['name'] === undefined) return true;
  return a['name'] === b['name'];
}
