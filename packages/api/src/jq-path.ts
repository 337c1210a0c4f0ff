/**
 * The jq path expressions of Argo CD's `ignoreDifferences.jqPathExpressions`, the part of jq they
 * are written in: paths (`.spec.replicas`, `.metadata.annotations."a/b"`, `.items[0]`, `.[]`,
 * `["key"]`, a trailing `?`), pipes, and `select(…)` with comparisons (`==`, `!=`, `<`, `<=`,
 * `>`, `>=`), `and`, `or`, `not`, literals and the string tests `startswith`, `endswith`,
 * `contains` and `test`. Anything else is a syntax error naming the column, never a silent
 * mismatch. A program gives the paths it selects in a value; those are what is ignored.
 */

/** One step of a path into a JSON value: an object key or an array index. */
export type JqPath = ReadonlyArray<string | number>;

export interface JqProgram {
  readonly source: string;
  /** The paths of `value` the expression selects (those that exist), in the order found. */
  paths(value: unknown): JqPath[];
}

export class JqSyntaxError extends Error {
  readonly column: number;

  constructor(message: string, column: number) {
    super(`${message} at column ${column}`);
    this.column = column;
  }
}

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'iterate' }
  | { kind: 'select'; condition: Condition };

type Condition =
  | { kind: 'or' | 'and'; left: Condition; right: Condition }
  | { kind: 'compare'; op: CompareOp; left: Operand; right: Operand }
  | { kind: 'truthy'; operand: Operand };

type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** A value inside `select`: a literal, or a path from the current value with filters after it. */
type Operand =
  | { kind: 'literal'; value: unknown }
  | { kind: 'path'; steps: Step[]; filters: Filter[] };

type Filter =
  | { kind: 'not' }
  | { kind: 'startswith' | 'endswith' | 'contains' | 'test'; argument: string; pattern?: RegExp };

interface Token {
  type: 'punct' | 'ident' | 'string' | 'number' | 'end';
  text: string;
  value?: unknown;
  column: number;
}

const PUNCTUATION = ['==', '!=', '<=', '>=', '<', '>', '.', '[', ']', '(', ')', '|', '?'];
const FILTERS = new Set(['startswith', 'endswith', 'contains', 'test']);

export function parseJqPath(source: string): JqProgram {
  const steps = new Parser(tokenize(source)).program();
  return { source, paths: (value) => run(steps, [{ path: [], value }]).map((found) => found.path) };
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < source.length) {
    const char = source[at] ?? '';
    const column = at + 1;
    if (/\s/.test(char)) {
      at++;
      continue;
    }
    if (char === '"') {
      const end = stringEnd(source, at);
      const text = source.slice(at, end);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new JqSyntaxError(`invalid string ${text}`, column);
      }
      tokens.push({ type: 'string', text, value, column });
      at = end;
      continue;
    }
    const number = /^-?\d+(\.\d+)?/.exec(source.slice(at));
    if (number !== null && (char !== '-' || tokens.at(-1)?.type === 'punct')) {
      tokens.push({ type: 'number', text: number[0], value: Number(number[0]), column });
      at += number[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(at));
    if (ident !== null) {
      tokens.push({ type: 'ident', text: ident[0], column });
      at += ident[0].length;
      continue;
    }
    const punct = PUNCTUATION.find((p) => source.startsWith(p, at));
    if (punct === undefined) throw new JqSyntaxError(`unsupported character "${char}"`, column);
    tokens.push({ type: 'punct', text: punct, column });
    at += punct.length;
  }
  tokens.push({ type: 'end', text: 'end of expression', column: source.length + 1 });
  return tokens;
}

function stringEnd(source: string, start: number): number {
  for (let at = start + 1; at < source.length; at++) {
    if (source[at] === '\\') at++;
    else if (source[at] === '"') return at + 1;
  }
  throw new JqSyntaxError('unterminated string', start + 1);
}

class Parser {
  readonly #tokens: Token[];
  #at = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  /** pipeline of path terms and selects, to the end */
  program(): Step[] {
    const steps = this.#pipeline();
    this.#expectEnd();
    return steps;
  }

  #pipeline(): Step[] {
    const steps = this.#term();
    while (this.#eat('|')) steps.push(...this.#term());
    return steps;
  }

  #term(): Step[] {
    const token = this.#peek();
    if (token.type === 'ident' && token.text === 'select') {
      this.#next();
      this.#expect('(');
      const condition = this.#or();
      this.#expect(')');
      return [{ kind: 'select', condition }];
    }
    if (token.text !== '.' || token.type !== 'punct') throw this.#unexpected('a path such as .spec.replicas, or select(…)');
    return this.#path();
  }

  /** `.`, `.a`, `."a"`, `.[]`, `.[0]`, `.["a"]`, then more of `.a`, `[…]`, `?` */
  #path(): Step[] {
    const steps: Step[] = [];
    this.#expect('.');
    const first = this.#peek();
    if (first.type === 'ident' || first.type === 'string') steps.push(this.#field());
    else if (first.text === '[') steps.push(this.#bracket());
    for (;;) {
      const token = this.#peek();
      if (token.type !== 'punct') break;
      if (token.text === '?') this.#next();
      else if (token.text === '[') steps.push(this.#bracket());
      else if (token.text === '.' && (this.#peek(1).type === 'ident' || this.#peek(1).type === 'string')) {
        this.#next();
        steps.push(this.#field());
      } else if (token.text === '.' && this.#peek(1).text === '[') {
        this.#next();
        steps.push(this.#bracket());
      } else break;
    }
    return steps;
  }

  #field(): Step {
    const token = this.#next();
    return { kind: 'field', name: token.type === 'string' ? String(token.value) : token.text };
  }

  #bracket(): Step {
    this.#expect('[');
    const token = this.#peek();
    if (token.text === ']' && token.type === 'punct') {
      this.#next();
      return { kind: 'iterate' };
    }
    const key = token.type === 'string' || (token.type === 'number' && Number.isInteger(token.value));
    if (!key) throw new JqSyntaxError(`expected an index, a quoted key or nothing inside [ ], got ${token.text}`, token.column);
    this.#next();
    this.#expect(']');
    return token.type === 'string' ? { kind: 'field', name: String(token.value) } : { kind: 'index', index: token.value as number };
  }

  #or(): Condition {
    let left = this.#and();
    while (this.#eatWord('or')) left = { kind: 'or', left, right: this.#and() };
    return left;
  }

  #and(): Condition {
    let left = this.#comparison();
    while (this.#eatWord('and')) left = { kind: 'and', left, right: this.#comparison() };
    return left;
  }

  #comparison(): Condition {
    if (this.#eat('(')) {
      const inner = this.#or();
      this.#expect(')');
      return inner;
    }
    const left = this.#operand();
    const op = this.#peek();
    if (op.type === 'punct' && ['==', '!=', '<', '<=', '>', '>='].includes(op.text)) {
      this.#next();
      return { kind: 'compare', op: op.text as CompareOp, left, right: this.#operand() };
    }
    return { kind: 'truthy', operand: left };
  }

  #operand(): Operand {
    const token = this.#peek();
    if (token.type === 'string' || token.type === 'number') {
      this.#next();
      return { kind: 'literal', value: token.value };
    }
    if (token.type === 'ident' && ['true', 'false', 'null'].includes(token.text)) {
      this.#next();
      return { kind: 'literal', value: JSON.parse(token.text) };
    }
    if (token.text !== '.' || token.type !== 'punct') throw this.#unexpected('a path, a string, a number, true, false or null');
    const steps = this.#path();
    const filters: Filter[] = [];
    while (this.#eat('|')) filters.push(this.#filter());
    return { kind: 'path', steps, filters };
  }

  #filter(): Filter {
    const token = this.#next();
    if (token.type === 'ident' && token.text === 'not') return { kind: 'not' };
    if (token.type !== 'ident' || !FILTERS.has(token.text)) throw new JqSyntaxError(`unsupported filter ${token.text} (supported: not, ${[...FILTERS].join(', ')})`, token.column);
    this.#expect('(');
    const argument = this.#next();
    if (argument.type !== 'string') throw new JqSyntaxError(`${token.text} takes a string, got ${argument.text}`, argument.column);
    this.#expect(')');
    const text = String(argument.value);
    if (token.text !== 'test') return { kind: token.text as 'startswith' | 'endswith' | 'contains', argument: text };
    try {
      return { kind: 'test', argument: text, pattern: new RegExp(text) };
    } catch {
      throw new JqSyntaxError(`invalid regular expression ${argument.text}`, argument.column);
    }
  }

  #peek(offset = 0): Token {
    return this.#tokens[Math.min(this.#at + offset, this.#tokens.length - 1)] as Token;
  }

  #next(): Token {
    const token = this.#peek();
    if (token.type !== 'end') this.#at++;
    return token;
  }

  #eat(punct: string): boolean {
    const token = this.#peek();
    if (token.type !== 'punct' || token.text !== punct) return false;
    this.#at++;
    return true;
  }

  #eatWord(word: string): boolean {
    const token = this.#peek();
    if (token.type !== 'ident' || token.text !== word) return false;
    this.#at++;
    return true;
  }

  #expect(punct: string): void {
    if (!this.#eat(punct)) throw this.#unexpected(`"${punct}"`);
  }

  #expectEnd(): void {
    if (this.#peek().type !== 'end') throw this.#unexpected('the end of the expression (only paths, pipes and select are supported)');
  }

  #unexpected(wanted: string): JqSyntaxError {
    const token = this.#peek();
    return new JqSyntaxError(`expected ${wanted}, got ${token.type === 'end' ? token.text : `"${token.text}"`}`, token.column);
  }
}

interface Found {
  path: Array<string | number>;
  value: unknown;
}

function run(steps: readonly Step[], start: Found[]): Found[] {
  let current = start;
  for (const step of steps) current = current.flatMap((found) => apply(step, found));
  return current;
}

function apply(step: Step, { path, value }: Found): Found[] {
  switch (step.kind) {
    case 'field':
      return isObject(value) && Object.hasOwn(value, step.name) ? [{ path: [...path, step.name], value: value[step.name] }] : [];
    case 'index': {
      if (!Array.isArray(value)) return [];
      const index = step.index < 0 ? value.length + step.index : step.index;
      return index >= 0 && index < value.length ? [{ path: [...path, index], value: value[index] }] : [];
    }
    case 'iterate':
      if (Array.isArray(value)) return (value as unknown[]).map((item, index) => ({ path: [...path, index], value: item }));
      return isObject(value) ? Object.entries(value).map(([key, item]) => ({ path: [...path, key], value: item })) : [];
    case 'select':
      return holds(step.condition, value) ? [{ path, value }] : [];
  }
}

function holds(condition: Condition, value: unknown): boolean {
  switch (condition.kind) {
    case 'or':
      return holds(condition.left, value) || holds(condition.right, value);
    case 'and':
      return holds(condition.left, value) && holds(condition.right, value);
    case 'truthy':
      return values(condition.operand, value).some(truthy);
    case 'compare': {
      const rights = values(condition.right, value);
      return values(condition.left, value).some((left) => rights.some((right) => compare(condition.op, left, right)));
    }
  }
}

/** The values an operand gives (jq: a missing key is null). */
function values(operand: Operand, input: unknown): unknown[] {
  if (operand.kind === 'literal') return [operand.value];
  const found = operand.steps.length === 0 ? [input] : run(operand.steps, [{ path: [], value: input }]).map((f) => f.value);
  const results = found.length === 0 && operand.steps.every((s) => s.kind === 'field') ? [null] : found;
  return results.map((result) => operand.filters.reduce<unknown>((acc, filter) => applyFilter(filter, acc), result));
}

function applyFilter(filter: Filter, value: unknown): unknown {
  if (filter.kind === 'not') return !truthy(value);
  if (typeof value !== 'string') return false;
  switch (filter.kind) {
    case 'startswith':
      return value.startsWith(filter.argument);
    case 'endswith':
      return value.endsWith(filter.argument);
    case 'contains':
      return value.includes(filter.argument);
    case 'test':
      return filter.pattern?.test(value) === true;
  }
}

function compare(op: CompareOp, left: unknown, right: unknown): boolean {
  if (op === '==') return sameJson(left, right);
  if (op === '!=') return !sameJson(left, right);
  if (typeof left === 'number' && typeof right === 'number') return ordered(op, left, right);
  if (typeof left === 'string' && typeof right === 'string') return ordered(op, left, right);
  return false;
}

function ordered<T extends number | string>(op: CompareOp, a: T, b: T): boolean {
  return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
}

function truthy(value: unknown): boolean {
  return value !== false && value !== null && value !== undefined;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
