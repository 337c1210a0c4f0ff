/** A short summary of a render, for logs and CLI output. */
import type { DesiredObject } from '@trueup/api';
import { compareText, kindRank } from './order.ts';

export interface RenderSummary {
  objects: number;
  /** Distinct manifest files the objects came from. */
  files: number;
  /** Objects per kind, only kinds present, in apply order. */
  kinds: Record<string, number>;
  /** `7 objects from 3 files: 2 Directory, 4 File, 1 Service`. */
  text: string;
}

export function describeRender(objects: readonly DesiredObject[]): RenderSummary {
  const counts = new Map<string, number>();
  for (const object of objects) counts.set(object.key.kind, (counts.get(object.key.kind) ?? 0) + 1);
  const order = [...counts.keys()].sort((a, b) => kindRank(a) - kindRank(b) || compareText(a, b));
  const kinds: Record<string, number> = {};
  for (const kind of order) kinds[kind] = counts.get(kind) ?? 0;
  const files = new Set(objects.map((object) => object.origin.file)).size;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const parts = Object.entries(kinds).map(([kind, count]) => `${count} ${kind}`);
  const text = `${plural(objects.length, 'object')} from ${plural(files, 'file')}${parts.length === 0 ? '' : `: ${parts.join(', ')}`}`;
  return { objects: objects.length, files, kinds, text };
}
