/** The one deterministic order of render output and of file reading. */
import type { DesiredObject, HostKind } from '@trueup/api';

/** Apply order of host kinds, also the order of render output (DESIGN.md, plan). */
export const HOST_KIND_ORDER: readonly HostKind[] = ['Directory', 'File', 'Symlink', 'Command', 'Service'];

/** Code-unit order: the same on every machine and locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function kindRank(kind: string): number {
  const rank = HOST_KIND_ORDER.indexOf(kind as HostKind);
  return rank === -1 ? HOST_KIND_ORDER.length : rank;
}

/** By kind in apply order, then by name. */
export function compareDesired(a: DesiredObject, b: DesiredObject): number {
  return kindRank(a.key.kind) - kindRank(b.key.kind) || compareText(a.key.name, b.key.name);
}
