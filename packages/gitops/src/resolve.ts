/** Finds the node a key path names in one document, or says how far the path got. */
import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { formatKeyPath, type PathSegment } from './key-path.ts';

export type Resolved =
  | { found: true; node: Node | null; pair: Pair | undefined; parent: Node }
  | { found: false; reason: string; /** The map holding the missing final key, when only the last key is missing. */ missingIn?: YAMLMap };

export function resolvePath(doc: Document.Parsed, segments: readonly PathSegment[]): Resolved {
  let node: unknown = doc.contents;
  let pair: Pair | undefined;
  let parent: Node | undefined;
  for (const [index, segment] of segments.entries()) {
    const here = formatKeyPath(segments.slice(0, index));
    const at = here === '' ? 'the document' : `"${here}"`;
    if (isAlias(node)) return { found: false, reason: `${at} is an alias of &${node.source}: change the anchor's value instead` };
    switch (segment.kind) {
      case 'key': {
        if (!isMap(node)) return { found: false, reason: `${at} is ${describe(node)}, not a mapping` };
        const match = node.items.find((item) => isScalar(item.key) && String(item.key.value) === segment.key);
        if (match === undefined) {
          const last = index === segments.length - 1;
          return last ? { found: false, reason: `${at} has no key "${segment.key}"`, missingIn: node } : { found: false, reason: `${at} has no key "${segment.key}"` };
        }
        parent = node;
        pair = match;
        node = match.value;
        break;
      }
      case 'index': {
        if (!isSeq(node)) return { found: false, reason: `${at} is ${describe(node)}, not a list` };
        if (segment.index >= node.items.length) return { found: false, reason: `${at} has ${node.items.length} items, no [${segment.index}]` };
        parent = node;
        pair = undefined;
        node = node.items[segment.index];
        break;
      }
      case 'match': {
        if (!isSeq(node)) return { found: false, reason: `${at} is ${describe(node)}, not a list` };
        const matches = node.items.filter((item) => {
          if (!isMap(item)) return false;
          const field = item.get(segment.field, true);
          return isScalar(field) && String(field.value) === segment.value;
        });
        if (matches.length === 0) return { found: false, reason: `${at} has no item with ${segment.field}=${segment.value}` };
        if (matches.length > 1) return { found: false, reason: `${at} has ${matches.length} items with ${segment.field}=${segment.value}` };
        parent = node;
        pair = undefined;
        node = matches[0];
        break;
      }
    }
  }
  if (parent === undefined) return { found: false, reason: 'the key path is empty' };
  return { found: true, node: (node ?? null) as Node | null, pair, parent };
}

function describe(node: unknown): string {
  if (node === null || node === undefined) return 'empty';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return `a value (${JSON.stringify(node.value)})`;
  if (isAlias(node)) return 'an alias';
  return 'not a collection';
}
