/**
 * Key paths as users write them: `image.tag`, `spec.containers[0].image`,
 * `spec.template.spec.containers[name=web].image`, `metadata.annotations["example.com/x"]`.
 */
import { GitopsErrors } from './errors.ts';

export type PathSegment =
  | { kind: 'key'; key: string }
  | { kind: 'index'; index: number }
  /** The item of a sequence of mappings whose `field` is `value`. */
  | { kind: 'match'; field: string; value: string };

const PLAIN_KEY = /^[^.[\]"]+/;

export function parseKeyPath(text: string, file?: string): PathSegment[] {
  const fail = (why: string) => GitopsErrors.create('GITOPS_KEY_INVALID', `invalid key path "${text}": ${why}`, { ...(file === undefined ? {} : { file }), field: text });
  const segments: PathSegment[] = [];
  let rest = text;
  let first = true;
  while (rest !== '') {
    if (rest.startsWith('[')) {
      const close = closingBracket(rest);
      if (close === -1) throw fail('a "[" is not closed');
      segments.push(bracketSegment(rest.slice(1, close), fail));
      rest = rest.slice(close + 1);
    } else {
      if (!first) {
        if (!rest.startsWith('.')) throw fail(`expected "." or "[" before "${rest}"`);
        rest = rest.slice(1);
      }
      const match = PLAIN_KEY.exec(rest);
      if (match === null) throw fail(rest === '' ? 'it ends with "."' : `expected a key at "${rest}"`);
      segments.push({ kind: 'key', key: match[0] });
      rest = rest.slice(match[0].length);
    }
    first = false;
  }
  if (segments.length === 0) throw fail('it is empty');
  return segments;
}

function closingBracket(text: string): number {
  let quoted = false;
  for (let i = 1; i < text.length; i += 1) {
    const char = text[i];
    if (char === '\\' && quoted) i += 1;
    else if (char === '"') quoted = !quoted;
    else if (char === ']' && !quoted) return i;
  }
  return -1;
}

function bracketSegment(inner: string, fail: (why: string) => Error): PathSegment {
  if (/^\d+$/.test(inner)) return { kind: 'index', index: Number(inner) };
  if (inner.startsWith('"')) return { kind: 'key', key: unquote(inner, fail) };
  const equals = inner.indexOf('=');
  if (equals > 0) {
    const field = inner.slice(0, equals).trim();
    const raw = inner.slice(equals + 1).trim();
    return { kind: 'match', field, value: raw.startsWith('"') ? unquote(raw, fail) : raw };
  }
  throw fail(`"[${inner}]" is neither an index, a "quoted key" nor field=value`);
}

function unquote(text: string, fail: (why: string) => Error): string {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'string') return value;
  } catch {
    // reported below
  }
  throw fail(`${text} is not a valid "quoted" key`);
}

export function formatKeyPath(segments: readonly PathSegment[]): string {
  return segments.reduce((out, segment) => {
    switch (segment.kind) {
      case 'key':
        return PLAIN_KEY.exec(segment.key)?.[0] === segment.key ? (out === '' ? segment.key : `${out}.${segment.key}`) : `${out}[${JSON.stringify(segment.key)}]`;
      case 'index':
        return `${out}[${segment.index}]`;
      case 'match':
        return `${out}[${segment.field}=${segment.value}]`;
    }
  }, '');
}
