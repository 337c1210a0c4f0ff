/** Adding a missing field to a Kustomize `images:` entry (`newTag` when only `newName` was set). */
import { isMap, isScalar, isSeq, type Document, type YAMLMap } from 'yaml';
import type { PathSegment } from './key-path.ts';

const IMAGE_FIELDS = new Set(['newName', 'newTag', 'digest']);

/** Only `images[name=X].newName|newTag|digest` of a Kustomization, in a block mapping, may be added. */
export function canAddKey(doc: Document.Parsed, segments: readonly PathSegment[], map: YAMLMap): boolean {
  const [images, match, field] = segments;
  if (segments.length !== 3 || images?.kind !== 'key' || images.key !== 'images') return false;
  if (match?.kind !== 'match' || match.field !== 'name' || field?.kind !== 'key' || !IMAGE_FIELDS.has(field.key)) return false;
  if (map.flow === true || !map.items.every((pair) => isScalar(pair.value))) return false;
  const root = doc.contents;
  if (!isMap(root) || !isSeq(root.get('images', true))) return false;
  const kind: unknown = root.get('kind', true);
  return kind === undefined || (isScalar(kind) && kind.value === 'Kustomization');
}

/** Where and what to insert: a line `<indent>key: value` after the entry's last line. */
export function addPairSource(text: string, map: YAMLMap, key: string, valueSource: string): { offset: number; source: string } {
  const first = map.items[0]?.key as { range?: [number, number, number] } | undefined;
  const last = map.items[map.items.length - 1]?.value as { range?: [number, number, number] } | undefined;
  const start = first?.range?.[0] ?? map.range?.[0] ?? 0;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const indent = start - lineStart;
  const end = last?.range?.[1] ?? map.range?.[1] ?? text.length;
  const newline = text.indexOf('\n', end);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  if (newline === -1) return { offset: text.length, source: `${eol}${' '.repeat(indent)}${key}: ${valueSource}` };
  return { offset: newline + 1, source: `${' '.repeat(indent)}${key}: ${valueSource}${eol}` };
}
