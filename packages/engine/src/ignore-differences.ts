/**
 * `ignoreDifferences`, as Argo CD names it: which rules apply to an object, taking what they name
 * out of both sides of a comparison, and writing the rule that would end a fight over a field.
 */
import { parseJqPath, type IgnoreDifference, type JqPath, type JqProgram, type Manifest, type ObjectKey } from '@trueup/api';
import { stringify } from 'yaml';
import { escapePointerToken, isPlainObject, withoutPointers } from './compare.ts';
import { isEmptyFieldSet, withoutFieldSet, type FieldSet } from './field-set.ts';
import { TRUEUP_FIELD_MANAGER, fieldsByManager, fieldsOwnedBy } from './managed-fields.ts';

/** The API group of an apiVersion: `apps` for `apps/v1`, `""` (core) for `v1`. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The rules naming this object: same group (omitted is core) and kind, and name and namespace when given. */
export function ignoreRulesFor(key: ObjectKey, rules: readonly IgnoreDifference[]): IgnoreDifference[] {
  const group = groupOf(key.apiVersion);
  return rules.filter((rule) => (rule.group ?? '') === group && rule.kind === key.kind
    && (rule.name === undefined || rule.name === key.name)
    && (rule.namespace === undefined || rule.namespace === key.namespace));
}

/** What one object's comparison leaves out. */
export interface IgnoreSpec {
  /** JSON pointers, removed from both sides. */
  pointers: readonly string[];
  /** jq path expressions, each side's own matches removed from it. */
  jq?: readonly JqProgram[];
  /** Fields the ignored managers own in the live object, removed from both sides. */
  owned?: FieldSet;
  /** Fields Trueup owns in the live object: Git decides them, so they are never ignored by manager. */
  keep?: FieldSet;
}

/**
 * Resolves the rules for one object. `pointers` apply to every object (the host side's plain list);
 * manager rules read ownership from the live object's managedFields.
 */
export function resolveIgnore(key: ObjectKey, live: Manifest | undefined, pointers: readonly string[], rules: readonly IgnoreDifference[]): IgnoreSpec {
  const matching = ignoreRulesFor(key, rules);
  const all = [...pointers, ...matching.flatMap((rule) => rule.jsonPointers)];
  const expressions = matching.flatMap((rule) => rule.jqPathExpressions);
  const base: IgnoreSpec = expressions.length === 0 ? { pointers: all } : { pointers: all, jq: expressions.map(jqProgram) };
  const managers = matching.flatMap((rule) => rule.managedFieldsManagers).filter((manager) => manager !== TRUEUP_FIELD_MANAGER);
  if (managers.length === 0 || live === undefined) return base;
  const owned = fieldsOwnedBy(live, managers);
  if (isEmptyFieldSet(owned)) return base;
  const keep = fieldsByManager(live).get(TRUEUP_FIELD_MANAGER);
  return keep === undefined ? { ...base, owned } : { ...base, owned, keep };
}

/** A copy of a whole manifest without what the spec ignores. */
export function applyIgnore<T>(value: T, spec: IgnoreSpec): T {
  const matched = spec.jq?.flatMap((program) => program.paths(value).map(pointerOfPath)) ?? [];
  const pointed = withoutPointers(value, [...spec.pointers, ...matched]);
  return spec.owned === undefined ? pointed : withoutFieldSet(pointed, spec.owned, spec.keep);
}

/** Parsed once per expression: the same few rules are applied to every object of every pass. */
const programs = new Map<string, JqProgram>();

function jqProgram(source: string): JqProgram {
  let program = programs.get(source);
  if (program === undefined) {
    program = parseJqPath(source); // validated when the Application was loaded
    programs.set(source, program);
  }
  return program;
}

function pointerOfPath(path: JqPath): string {
  return path.map((token) => `/${escapePointerToken(String(token))}`).join('');
}

/**
 * The `ignoreDifferences` entry, as YAML under its key, that would stop Trueup from reverting
 * `fields` of the object; empty when there is nothing to ignore. With a `manager` (other than
 * Trueup or a kubectl command) the rule names the manager, so whatever that controller owns is
 * left to it; otherwise it lists JSON pointers of the fields. A field inside a list item named
 * `[name=x]` needs `live` to find the item's index; without it the pointer stops at the list.
 */
export function suggestIgnore(key: ObjectKey, fields: readonly string[], manager?: string, live?: Manifest): string {
  const rule: Record<string, unknown> = {};
  const group = groupOf(key.apiVersion);
  if (group !== '') rule.group = group;
  rule.kind = key.kind;
  rule.name = key.name;
  if (key.namespace !== undefined) rule.namespace = key.namespace;
  if (manager !== undefined && manager !== TRUEUP_FIELD_MANAGER && !manager.startsWith('kubectl')) {
    rule.managedFieldsManagers = [manager];
  } else {
    const pointers = [...new Set(fields.map((field) => pointerOf(field, live)).filter((pointer) => pointer !== ''))];
    if (pointers.length === 0) return '';
    rule.jsonPointers = pointers;
  }
  return stringify({ ignoreDifferences: [rule] }, { lineWidth: 0 });
}

/** Maps whose keys are free text (`app.kubernetes.io/name`): the rest of a dotted path is one key. */
const TEXT_KEYED_MAPS = new Set(['annotations', 'labels', 'data', 'stringData', 'binaryData', 'matchLabels', 'nodeSelector']);

type Token = { field: string } | { item: string };

/** A JSON pointer for a dotted field path (`spec.containers[name=web].image` → `/spec/containers/0/image`). */
export function pointerOf(field: string, live?: Manifest): string {
  let pointer = '';
  let node: unknown = live;
  for (const token of tokenize(field)) {
    if ('field' in token) {
      pointer += `/${escapePointerToken(token.field)}`;
      node = isPlainObject(node) ? node[token.field] : undefined;
      continue;
    }
    const index = indexOf(node, token.item);
    if (index === undefined) break;
    pointer += `/${index}`;
    node = Array.isArray(node) ? node[index] as unknown : undefined;
  }
  return pointer;
}

function tokenize(path: string): Token[] {
  const tokens: Token[] = [];
  let buffer = '';
  const flush = (): void => {
    if (buffer !== '') tokens.push({ field: buffer });
    buffer = '';
  };
  for (let i = 0; i < path.length; i++) {
    const char = path[i]!;
    if (char === '.') {
      const last = buffer;
      flush();
      if (TEXT_KEYED_MAPS.has(last) && i + 1 < path.length) {
        tokens.push({ field: path.slice(i + 1) });
        return tokens;
      }
    } else if (char === '[') {
      flush();
      const close = path.indexOf(']', i);
      if (close < 0) break;
      tokens.push({ item: path.slice(i + 1, close) });
      i = close;
    } else {
      buffer += char;
    }
  }
  flush();
  return tokens;
}

/** The index of the list item a bracket names: `0`, `name=web`, `containerPort=80,protocol=TCP`, `=value`. */
function indexOf(list: unknown, item: string): number | undefined {
  if (/^\d+$/.test(item)) return Number(item);
  if (!Array.isArray(list)) return undefined;
  const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
  if (item.startsWith('=')) {
    const index = list.findIndex((value) => text(value) === item.slice(1));
    return index < 0 ? undefined : index;
  }
  const pairs = item.split(',').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] as const);
  const index = list.findIndex((value) => isPlainObject(value) && pairs.every(([name, wanted]) => text(value[name]) === wanted));
  return index < 0 ? undefined : index;
}
