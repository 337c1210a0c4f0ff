/** The parser's tokens as plain JSON templates (`TemplateValue`), which can cross the link. */
import type { SourcePosition, TemplateValue } from '@trueup/api';
import { parser, type TemplateToken } from './actions-parser.ts';
import { blockScalarValue, formatExpression } from './block-scalar.ts';

const { isBasicExpression, isBoolean, isMapping, isNumber, isSequence, isString } = parser;

export function toTemplate(token: TemplateToken): TemplateValue {
  if (isString(token)) return token.value;
  if (isNumber(token)) return token.value;
  if (isBoolean(token)) return token.value;
  if (isBasicExpression(token)) {
    if (token.blockScalarHeader !== undefined && token.source !== undefined) {
      const value = blockScalarValue(token.blockScalarHeader, token.source);
      const expression = value === undefined ? undefined : formatExpression(value);
      if (expression !== undefined) return { $expr: expression };
    }
    return { $expr: token.expression };
  }
  if (isSequence(token)) return [...token].map(toTemplate);
  if (isMapping(token)) {
    const out: Record<string, TemplateValue> = {};
    for (const pair of token) out[keyOf(pair.key)] = toTemplate(pair.value);
    return out;
  }
  return null;
}

/** A mapping of templates, keyed by its literal keys. */
export function toTemplateMap(token: TemplateToken | undefined): Record<string, TemplateValue> {
  if (token === undefined) return {};
  const value = toTemplate(token);
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !('$expr' in value) ? value : {};
}

export function keyOf(token: TemplateToken): string {
  return isString(token) ? token.value : JSON.stringify(toTemplate(token));
}

/** Finds a key of a mapping token, or undefined when the token is not a mapping. */
export function field(token: TemplateToken | undefined, key: string): TemplateToken | undefined {
  if (token === undefined || !isMapping(token)) return undefined;
  for (const pair of token) if (isString(pair.key) && pair.key.value === key) return pair.value;
  return undefined;
}

export function keyToken(token: TemplateToken | undefined, key: string): TemplateToken | undefined {
  if (token === undefined || !isMapping(token)) return undefined;
  for (const pair of token) if (isString(pair.key) && pair.key.value === key) return pair.key;
  return undefined;
}

export function positionOf(file: string, token: TemplateToken | undefined): SourcePosition {
  return { file, line: token?.range?.start.line ?? 1, column: token?.range?.start.column ?? 1 };
}

/** The `if:` of a job or step as an expression string (`${{ }}` optional, as GitHub allows). */
export function conditionOf(token: TemplateToken | undefined): string {
  if (token === undefined) return 'success()';
  const raw = isBasicExpression(token) ? token.expression : isString(token) ? token.value : JSON.stringify(toTemplate(token));
  return implicitSuccess(raw);
}

/** As GitHub does: a condition without a status function runs only after success. */
export function implicitSuccess(condition: string): string {
  const trimmed = condition.trim();
  if (trimmed === '') return 'success()';
  return /\b(success|failure|cancelled|always)\s*\(/i.test(trimmed) ? trimmed : `success() && (${trimmed})`;
}

export function literalString(token: TemplateToken | undefined): string | undefined {
  return token !== undefined && isString(token) ? token.value : undefined;
}
