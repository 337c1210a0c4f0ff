/**
 * The new source text of one value token, in the style the token already has: plain stays plain,
 * quotes keep their kind, a block scalar keeps its header, indentation and line endings.
 */
import { CST, type Scalar } from 'yaml';

export type WriteStyle = 'keep' | 'double-quoted';

/** Source of a flow scalar token (plain, single- or double-quoted) holding `value`. */
export function flowScalarSource(token: CST.FlowScalar, value: string, inFlow: boolean, style: WriteStyle): string {
  const copy = structuredClone(token);
  const type: Scalar.Type | undefined = style === 'double-quoted' ? 'QUOTE_DOUBLE' : undefined;
  CST.setScalarValue(copy, value, { inFlow, implicitKey: false, ...(type === undefined ? {} : { type }) });
  return CST.stringify(copy);
}

/** Source of a block scalar token (`|`, `>-`, `|2+`…) holding `value`. */
export function blockScalarSource(token: CST.BlockScalar, value: string, fileEol: string): string {
  const header = token.props.find((prop) => prop.type === 'block-scalar-header');
  const oldHeader = header !== undefined && 'source' in header ? header.source : '|';
  const eol = /\r\n/.test(token.source) ? '\r\n' : token.source.includes('\n') ? '\n' : fileEol;
  const explicit = /[1-9]/.exec(oldHeader)?.[0];
  const indent = explicit !== undefined ? token.indent + Number(explicit) : contentIndent(token.source) ?? token.indent + 2;
  const trailing = /\n*$/.exec(value)?.[0].length ?? 0;
  const body = value.slice(0, value.length - trailing);
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  // Folding would join the lines of a multi-line value: such a value is written literal.
  const indicator = oldHeader.startsWith('>') && !body.includes('\n') ? '>' : '|';
  // A first line that starts with a space needs the indentation given, or it would be read as indentation.
  const needsIndicator = explicit === undefined && /^\n* /.test(body);
  const digit = explicit ?? (needsIndicator ? String(indent - token.indent) : '');
  const newHeader = `${indicator}${chomp}${digit}`;
  const lines = body === '' ? [] : body.split('\n');
  const content = [...lines, ...Array<string>(Math.max(0, trailing - 1)).fill('')]
    .map((line) => (line === '' ? '' : ' '.repeat(indent) + line))
    .map((line) => line + eol)
    .join('');
  const props = token.props.map((prop) => (prop === header ? newHeader : CST.stringify(prop))).join('');
  return props + content;
}

function contentIndent(source: string): number | undefined {
  for (const line of source.split(/\r?\n/)) {
    if (line.trim() !== '') return /^ */.exec(line)?.[0].length;
  }
  return undefined;
}

/** The plain text of a value written where no token was (`tag:` with nothing after it). */
export function newValueSource(value: string, style: WriteStyle): string {
  const token: CST.FlowScalar = { type: 'scalar', offset: 0, indent: 0, source: '' };
  return flowScalarSource(token, value, false, style);
}
