/**
 * A block scalar (`run: |`) holding `${{ }}`: the parser builds its format() string from the
 * raw source, indentation included, which breaks scripts (an indented heredoc end marker no
 * longer matches). The value is read again as YAML reads it, and the expression rebuilt.
 */
import { parse } from 'yaml';

/** The format() expression for a string with `${{ }}` parts, or undefined when it has none. */
export function formatExpression(text: string): string | undefined {
  const literal: string[] = [];
  const args: string[] = [];
  let rest = text;
  for (;;) {
    const open = rest.indexOf('${{');
    const close = open === -1 ? -1 : rest.indexOf('}}', open + 3);
    if (open === -1 || close === -1) break;
    literal.push(escapeFormat(rest.slice(0, open)), `{${args.length}}`);
    args.push(rest.slice(open + 3, close).trim());
    rest = rest.slice(close + 2);
  }
  if (args.length === 0) return undefined;
  literal.push(escapeFormat(rest));
  return `format('${literal.join('')}', ${args.join(', ')})`;
}

function escapeFormat(text: string): string {
  return text.replace(/'/g, "''").replace(/\{/g, '{{').replace(/\}/g, '}}');
}

/** The value of a block scalar from its header (`|`, `>-`, …) and its source lines. */
export function blockScalarValue(header: string, source: string): string | undefined {
  try {
    const value: unknown = parse(`${header}\n${source}`);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
