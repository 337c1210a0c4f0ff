/**
 * Byte-preserving edits of YAML files: one value changes, every other byte (comments, blank
 * lines, quoting, anchors, flow style, `---`, line endings) stays as it was, so the Git diff is
 * exactly the changed lines. A pure function: text in, text out.
 */
import { CST, isCollection, isMap, isScalar, isAlias, type Document, type Node } from 'yaml';
import { GitopsErrors } from './errors.ts';
import { formatKeyPath, parseKeyPath, type PathSegment } from './key-path.ts';
import { documentAtLine, parseFile, type ParsedFile } from './parse.ts';
import { resolvePath, type Resolved } from './resolve.ts';
import { blockScalarSource, flowScalarSource, newValueSource, type WriteStyle } from './scalar-source.ts';
import { addPairSource, canAddKey } from './add-key.ts';

export interface ScalarEdit {
  /** Key path: `image.tag`, `spec.template.spec.containers[name=web].image`, `images[name=app].newTag`. */
  key: string;
  /** The new value, as text: a number or boolean key takes it as a number or boolean. */
  value: string;
  /** Write even when the value changes the key's YAML type (number → string, a mapping → a value). */
  allowTypeChange?: boolean;
  /** 0-based document of a multi-document file; default: the one document where the key exists. */
  document?: number;
  /** Instead of `document`: the document whose content starts on (or spans) this 1-based line, as an object's origin records it. */
  line?: number;
  /**
   * Instead of `document` or `line`: the one document of this kind whose `metadata.name` is the
   * name, or is inside it (a rendered name that kustomize gave a prefix or suffix).
   */
  match?: { kind: string; name: string } | undefined;
  /**
   * The value the key must hold now (as text) for the edit to be made: what the object renders
   * from. A different value means something between the file and the object changes it (an
   * overlay's patch, a transformer, another values file): refused, naming both values.
   */
  expect?: string | undefined;
}

export interface EditChange {
  key: string;
  document: number;
  /** 1-based line of the value in the edited file. */
  line: number;
  from: unknown;
  to: unknown;
  /** `added` when the key did not exist and was added (a Kustomize `images:` field). */
  kind: 'changed' | 'added';
}

export interface EditResult {
  text: string;
  /** One entry per edit that changed something; edits whose value was already set leave none. */
  changes: EditChange[];
}

/** Applies the edits in order. Throws a GitopsErrors error naming the file and key; changes nothing then. */
export function editYaml(text: string, file: string, edits: readonly ScalarEdit[]): EditResult {
  let current = text;
  const changes: EditChange[] = [];
  for (const edit of edits) {
    const result = editOne(current, file, edit);
    current = result.text;
    if (result.change !== undefined) changes.push(result.change);
  }
  return { text: current, changes };
}

interface Target {
  index: number;
  doc: Document.Parsed;
  resolved: Resolved;
}

function editOne(text: string, file: string, edit: ScalarEdit): { text: string; change?: EditChange } {
  const segments = parseKeyPath(edit.key, file);
  const key = formatKeyPath(segments);
  const parsed = parseFile(text, file);
  const target = findTarget(parsed, segments, file, key, edit.document ?? documentOfMatch(parsed, file, key, edit.match) ?? documentOfLine(parsed, file, key, edit.line));
  const { resolved, index } = target;
  const fail = (code: 'GITOPS_NOT_A_SCALAR' | 'GITOPS_TYPE_CHANGE' | 'GITOPS_VALUE_INVALID', why: string, offset?: number) =>
    GitopsErrors.create(code, why, { file, field: key, ...(offset === undefined ? {} : { line: parsed.lineAt(offset) }) });
  if (!resolved.found) {
    // Only a missing field of a Kustomize images entry is added; any other key must exist.
    const map = resolved.missingIn;
    if (map === undefined || !canAddKey(target.doc, segments, map)) throw notFound(file, key, resolved.reason, edit.document);
    const last = segments[segments.length - 1];
    const name = last?.kind === 'key' ? last.key : '';
    const add = (style: WriteStyle) => {
      const { offset, source } = addPairSource(text, map, name, newValueSource(edit.value, style));
      return { offset, next: text.slice(0, offset) + source + text.slice(offset) };
    };
    let added = add('keep');
    if (!reads(added.next, file, segments, index, edit.value)) added = add('double-quoted');
    const { offset, next } = added;
    verify(next, file, segments, index, edit.value);
    return { text: next, change: { key, document: index, line: parsed.lineAt(offset), from: undefined, to: edit.value, kind: 'added' } };
  }
  const { node } = resolved;
  if (isAlias(node)) throw fail('GITOPS_NOT_A_SCALAR', `"${key}" is an alias of &${node.source}: change the anchor's value instead`, node.range?.[0]);
  if (isCollection(node) && edit.allowTypeChange !== true) {
    throw fail('GITOPS_TYPE_CHANGE', `"${key}" holds a ${isMap(node) ? 'mapping' : 'list'}, not a single value: replacing it needs --allow-type-change`, node.range?.[0]);
  }
  const current: unknown = isScalar(node) ? node.value : undefined;
  if (edit.expect !== undefined && scalarText(current) !== edit.expect) {
    throw GitopsErrors.create('GITOPS_VALUE_DIFFERS', `${file}:${parsed.lineAt(node?.range?.[0] ?? 0)} sets "${key}" to ${JSON.stringify(scalarText(current) ?? null)}, but the object renders ${JSON.stringify(edit.expect)}: something between this file and the object changes it (an overlay's patch, a transformer, another values file); write the value where that is set`, { file, field: key, line: parsed.lineAt(node?.range?.[0] ?? 0) });
  }
  const intended = intendedValue(current, edit, (why) => fail('GITOPS_TYPE_CHANGE', why, node?.range?.[0]));
  if (isScalar(node) && sameValue(current, intended)) return { text };
  if (typeof intended === 'string' && intended.includes('\n') && node?.srcToken?.type !== 'block-scalar') {
    throw fail('GITOPS_VALUE_INVALID', `a value of several lines can only replace a block scalar (| or >)`, node?.range?.[0]);
  }
  const splice = (style: WriteStyle): { offset: number; next: string } => {
    const written = typeof intended === 'string' ? intended : edit.value;
    const token = node?.srcToken;
    if (token === undefined || node === null) {
      // `key:` with nothing after it: the value goes right after the colon.
      const colon = colonAfterKey(text, resolved.pair?.key);
      const source = ` ${newValueSource(written, style)}`;
      return { offset: colon + 1, next: text.slice(0, colon + 1) + source + text.slice(colon + 1) };
    }
    const old = CST.stringify(token);
    let source: string;
    if (token.type === 'block-scalar') source = blockScalarSource(token, written, fileEol(text));
    else if (CST.isScalar(token)) source = flowScalarSource(token, written, isCollection(resolved.parent) && resolved.parent.flow === true, style);
    else {
      const copy = structuredClone(token);
      CST.setScalarValue(copy, written, { afterKey: resolved.pair !== undefined, implicitKey: false });
      source = CST.stringify(copy);
    }
    return { offset: token.offset, next: text.slice(0, token.offset) + source + text.slice(token.offset + old.length) };
  };
  let attempt = splice('keep');
  if (!reads(attempt.next, file, segments, index, intended)) attempt = splice('double-quoted');
  verify(attempt.next, file, segments, index, intended);
  return { text: attempt.next, change: { key, document: index, line: parsed.lineAt(attempt.offset), from: current ?? null, to: intended, kind: 'changed' } };
}

function findTarget(parsed: ParsedFile, segments: readonly PathSegment[], file: string, key: string, document: number | undefined): Target {
  if (document !== undefined) {
    const doc = parsed.docs[document];
    if (doc === undefined) throw GitopsErrors.create('GITOPS_KEY_NOT_FOUND', `the file has ${parsed.docs.length} documents, no document ${document}`, { file, field: key });
    return { index: document, doc, resolved: resolvePath(doc, segments) };
  }
  const all = parsed.docs.map((doc, index) => ({ index, doc, resolved: resolvePath(doc, segments) }));
  const found = all.filter((target) => target.resolved.found);
  if (found.length > 1) {
    const where = found.map((target) => `${target.index} (line ${parsed.lineAt(target.doc.range[0])})`).join(', ');
    throw GitopsErrors.create('GITOPS_KEY_AMBIGUOUS', `"${key}" exists in documents ${where}: choose one with --document N`, { file, field: key });
  }
  const only = found[0] ?? (all.length === 1 ? all[0] : all.find((target) => !target.resolved.found && target.resolved.missingIn !== undefined) ?? all[0]);
  if (only === undefined) throw GitopsErrors.create('GITOPS_KEY_NOT_FOUND', `the file holds no YAML document, so no "${key}"`, { file, field: key });
  return only;
}

function documentOfLine(parsed: ParsedFile, file: string, key: string, line: number | undefined): number | undefined {
  if (line === undefined) return undefined;
  const found = documentAtLine(parsed, line);
  if (found === -1) throw GitopsErrors.create('GITOPS_KEY_NOT_FOUND', `no YAML document at line ${line}: the file changed since the object was applied`, { file, field: key, line });
  return found;
}

/** A scalar as text, the way a rendered manifest's value compares with it. */
function scalarText(value: unknown): string | undefined {
  if (value === null) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return undefined;
}

/** The document of `match`'s kind whose name is the rendered name or inside it; exactly one, else refused. */
function documentOfMatch(parsed: ParsedFile, file: string, key: string, match: ScalarEdit['match']): number | undefined {
  if (match === undefined) return undefined;
  const candidates = parsed.docs.map((doc, index) => ({ index, doc, value: doc.toJS() as unknown })).filter(({ value }) => {
    if (typeof value !== 'object' || value === null) return false;
    const { kind, metadata } = value as { kind?: unknown; metadata?: { name?: unknown } };
    return kind === match.kind && typeof metadata?.name === 'string' && metadata.name !== '' && match.name.includes(metadata.name);
  });
  // The longest name inside the rendered one is the object's own (`web-canary` over `web` for `prod-web-canary`).
  const nameOf = (value: unknown): string => (value as { metadata: { name: string } }).metadata.name;
  const longest = Math.max(0, ...candidates.map(({ value }) => nameOf(value).length));
  const chosen = candidates.filter(({ value }) => nameOf(value).length === longest);
  if (chosen.length === 1) return chosen[0]?.index;
  if (chosen.length === 0) throw GitopsErrors.create('GITOPS_KEY_NOT_FOUND', `no ${match.kind} in ${file} whose name is (part of) "${match.name}": the object does not come from this file`, { file, field: key });
  throw GitopsErrors.create('GITOPS_KEY_AMBIGUOUS', `${chosen.length} documents of kind ${match.kind} in ${file} could be "${match.name}" (lines ${chosen.map(({ doc }) => parsed.lineAt(doc.range[0])).join(', ')})`, { file, field: key });
}

function notFound(file: string, key: string, reason: string, document: number | undefined): Error {
  const which = document === undefined ? '' : ` (document ${document})`;
  return GitopsErrors.create('GITOPS_KEY_NOT_FOUND', `no key "${key}" in ${file}${which}: ${reason}`, { file, field: key });
}

/** What the key will hold: numbers and booleans stay numbers and booleans; anything else is a string. */
function intendedValue(current: unknown, edit: ScalarEdit, refuse: (why: string) => Error): unknown {
  if (typeof current !== 'number' && typeof current !== 'boolean' && typeof current !== 'bigint') return edit.value;
  const parsed = plainValue(edit.value);
  if (typeof parsed === typeof current) return parsed;
  if (edit.allowTypeChange === true) return edit.value;
  throw refuse(`"${edit.key}" holds a ${typeof current} (${String(current)}) and "${edit.value}" is not one: writing it would change the YAML type; pass --allow-type-change to write it as a string`);
}

/** What a plain scalar reads as in YAML 1.2's core schema. */
function plainValue(text: string): unknown {
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(text)) return Number(text);
  if (/^0x[0-9a-fA-F]+$/.test(text) || /^0o[0-7]+$/.test(text)) return Number(text);
  if (/^(true|True|TRUE|false|False|FALSE)$/.test(text)) return text.toLowerCase() === 'true';
  return text;
}

function sameValue(a: unknown, b: unknown): boolean {
  return typeof a === typeof b && a === b;
}

function readBack(text: string, file: string, segments: readonly PathSegment[], index: number): unknown {
  const parsed = parseFile(text, file);
  const doc = parsed.docs[index];
  if (doc === undefined) return Symbol('missing');
  const resolved = resolvePath(doc, segments);
  return resolved.found && isScalar(resolved.node) ? resolved.node.value : Symbol('missing');
}

function reads(text: string, file: string, segments: readonly PathSegment[], index: number, intended: unknown): boolean {
  try {
    return sameValue(readBack(text, file, segments, index), intended);
  } catch {
    return false;
  }
}

/** The edited file must read back with the intended value at the key; else nothing is written. */
function verify(text: string, file: string, segments: readonly PathSegment[], index: number, intended: unknown): void {
  if (reads(text, file, segments, index, intended)) return;
  throw GitopsErrors.create('GITOPS_EDIT_UNSTABLE', `writing ${JSON.stringify(intended)} at "${formatKeyPath(segments)}" would not read back as that value; the file was left unchanged`, { file, field: formatKeyPath(segments) });
}

function colonAfterKey(text: string, key: unknown): number {
  const end = (key as Node | null | undefined)?.range?.[1];
  const colon = end === undefined ? -1 : text.indexOf(':', end);
  if (colon === -1) throw GitopsErrors.create('GITOPS_VALUE_INVALID', 'cannot find where the empty value starts');
  return colon;
}

function fileEol(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}
