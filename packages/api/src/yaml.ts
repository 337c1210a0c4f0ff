/**
 * Multi-document YAML with positions and limits: every value keeps the line it came from, so
 * validation errors name the file, the line and the field.
 */
import { isCollection, isPair, isScalar, Lexer, LineCounter, parseAllDocuments, stringify, type Document, type Node } from 'yaml';
import { ApiErrors } from './errors.ts';

export interface YamlLimits {
  /** Largest input accepted, in bytes. */
  maxBytes: number;
  /** Documents in one file. */
  maxDocuments: number;
  /** Alias dereferences in one document (guards against "billion laughs"). */
  maxAliases: number;
  /** Nesting depth of collections. */
  maxDepth: number;
}

export const DEFAULT_YAML_LIMITS: YamlLimits = { maxBytes: 4 * 1024 * 1024, maxDocuments: 1000, maxAliases: 100, maxDepth: 64 };

export type FieldPath = readonly (string | number)[];

export interface ParsedDocument {
  /** The plain JavaScript value of the document. */
  value: unknown;
  /** 0-based position of the document in its file. */
  index: number;
  /** 1-based line the document starts on. */
  line: number;
  /** 1-based line of the value at `path`, or of its closest existing parent. */
  lineOf(path: FieldPath): number;
}

/** Renders a field path the way users write it: `spec.env[0].name`. */
export function formatFieldPath(path: FieldPath): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out === '' ? part : `${out}.${part}`), '');
}

export function parseYamlDocuments(text: string, file: string, limits: YamlLimits = DEFAULT_YAML_LIMITS): ParsedDocument[] {
  if (Buffer.byteLength(text) > limits.maxBytes) {
    throw ApiErrors.create('API_YAML_LIMIT', `file is larger than ${limits.maxBytes} bytes`, { file });
  }
  checkFlowDepth(text, limits.maxDepth, file);
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (!Array.isArray(docs)) return [];
  if (docs.filter((doc) => !isEmpty(doc)).length > limits.maxDocuments) {
    throw ApiErrors.create('API_YAML_LIMIT', `more than ${limits.maxDocuments} documents`, { file });
  }
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  const parsed: ParsedDocument[] = [];
  for (const [index, doc] of docs.entries()) {
    const error = doc.errors[0];
    if (error !== undefined) {
      throw ApiErrors.create('API_YAML_INVALID', firstLine(error.message), { file, line: lineAt(error.pos[0]) });
    }
    if (isEmpty(doc) || doc.contents === null) continue; // an empty document between separators
    checkDepth(doc.contents, limits.maxDepth, file, lineAt);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: limits.maxAliases });
    } catch (cause) {
      const message = cause instanceof Error ? firstLine(cause.message) : String(cause);
      throw ApiErrors.create('API_YAML_LIMIT', message, { file, line: lineAt(doc.contents.range[0]) }, { cause });
    }
    parsed.push({ value, index, line: lineAt(doc.contents.range[0]), lineOf: (path) => lineOfPath(doc, path, lineAt) });
  }
  return parsed;
}

function lineOfPath(doc: Document, path: FieldPath, lineAt: (offset: number) => number): number {
  for (let length = path.length; length >= 0; length--) {
    const prefix = path.slice(0, length);
    // The key node points at the field itself, the value node at its content.
    const node = keyNode(doc, prefix) ?? (doc.getIn(prefix, true) as Node | undefined);
    const start = node?.range?.[0];
    if (start !== undefined) return lineAt(start);
  }
  return 1;
}

function keyNode(doc: Document, path: FieldPath): Node | undefined {
  if (path.length === 0) return undefined;
  const parent = doc.getIn(path.slice(0, -1), true);
  if (!isCollection(parent)) return undefined;
  const last = path[path.length - 1];
  for (const item of parent.items) {
    if (isPair(item) && isScalar(item.key) && item.key.value === last) return item.key;
  }
  return undefined;
}

function checkDepth(root: unknown, maxDepth: number, file: string, lineAt: (offset: number) => number): void {
  const stack: { node: unknown; depth: number }[] = [{ node: root, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (!isCollection(node)) continue;
    if (depth > maxDepth) {
      throw ApiErrors.create('API_YAML_LIMIT', `nesting deeper than ${maxDepth} levels`, { file, line: lineAt(node.range?.[0] ?? 0) });
    }
    for (const item of node.items) stack.push({ node: isPair(item) ? item.value : item, depth: depth + 1 });
  }
}

/**
 * Flow nesting (`[[[[…`) checked on the lexer's tokens, before the parser builds a tree for it:
 * the parser's recursion would otherwise spend memory and stack on a small file. Block nesting
 * needs growing indentation, so the size limit already bounds it.
 */
function checkFlowDepth(text: string, maxDepth: number, file: string): void {
  let depth = 0;
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') depth++;
    else if (token === ']' || token === '}') depth = Math.max(0, depth - 1);
    if (depth > maxDepth) {
      const line = text.slice(0, offset).split('\n').length;
      throw ApiErrors.create('API_YAML_LIMIT', `nesting deeper than ${maxDepth} levels`, { file, line });
    }
    if (!isLexerControl(token)) offset += token.length;
  }
}

/** The lexer's marks for document, scalar and flow boundaries, which take no room in the text. */
function isLexerControl(token: string): boolean {
  return token.length === 1 && token.charCodeAt(0) < 0x20 && token !== '\n' && token !== '\t' && token !== '\r';
}

function isEmpty(doc: Document): boolean {
  return doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null);
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** A value as block YAML (plain scalars unquoted where YAML allows), for text-level processing. */
export function stringifyYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0 });
}
