/**
 * Expressions (`${{ … }}`) evaluated with GitHub's own evaluator (`@actions/expressions`), over
 * plain JSON contexts. Status functions (`success()`, `failure()`, …) and `hashFiles()` depend on
 * where the expression runs, so the caller passes them in.
 */
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import { TokenType, type Token } from '@actions/expressions/lexer';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import { isTemplateExpression, type JsonValue, type TemplateValue } from '@trueup/api';
import { WorkflowErrors } from './errors.ts';

export type ExpressionData = data.ExpressionData;

export interface ExtraFunction {
  name: string;
  minArgs: number;
  maxArgs: number;
  call: (...args: JsonValue[]) => JsonValue;
}

/** The status of what came before, as the status functions see it. */
export interface StatusFunctions {
  success: boolean;
  failure: boolean;
  cancelled: boolean;
}

export function statusFunctions(status: StatusFunctions): ExtraFunction[] {
  return [
    { name: 'success', minArgs: 0, maxArgs: 0, call: () => status.success && !status.cancelled },
    { name: 'failure', minArgs: 0, maxArgs: 0, call: () => status.failure && !status.cancelled },
    { name: 'cancelled', minArgs: 0, maxArgs: 0, call: () => status.cancelled },
    { name: 'always', minArgs: 0, maxArgs: 0, call: () => true },
  ];
}

export function toExpressionData(value: JsonValue | undefined): ExpressionData {
  return JSON.parse(JSON.stringify(value ?? null), data.reviver) as ExpressionData;
}

export function fromExpressionData(value: ExpressionData): JsonValue {
  return JSON.parse(JSON.stringify(value, data.replacer)) as JsonValue;
}

/** Evaluates one expression (without `${{ }}`); unknown contexts and functions are errors. */
export function evaluateExpression(expression: string, contexts: Record<string, JsonValue>, functions: readonly ExtraFunction[] = []): JsonValue {
  const parsed = parseExpression(expression, Object.keys(contexts), functions);
  const dictionary = new data.Dictionary(...Object.entries(contexts).map(([key, value]) => ({ key, value: toExpressionData(value) })));
  const definitions = new Map<string, FunctionDefinition>(functions.map((f) => [f.name.toLowerCase(), {
    name: f.name, minArgs: f.minArgs, maxArgs: f.maxArgs,
    call: (...args: ExpressionData[]) => toExpressionData(f.call(...args.map(fromExpressionData))),
  }]));
  try {
    return fromExpressionData(new Evaluator(parsed, dictionary, definitions).evaluate());
  } catch (error) {
    throw WorkflowErrors.create('WORKFLOW_EXPRESSION_INVALID', `\${{ ${expression} }}: ${(error as Error).message}`, {}, { cause: error });
  }
}

function parseExpression(expression: string, contextNames: string[], functions: readonly ExtraFunction[]): ReturnType<Parser['parse']> {
  try {
    const tokens = new Lexer(expression).lex().tokens.map(unescapeString);
    return new Parser(tokens, contextNames, functions.map(({ name, minArgs, maxArgs }) => ({ name, minArgs, maxArgs }))).parse();
  } catch (error) {
    throw WorkflowErrors.create('WORKFLOW_EXPRESSION_INVALID', `\${{ ${expression} }}: ${(error as Error).message}`, {}, { cause: error });
  }
}

/**
 * The lexer of @actions/expressions 0.3.61 turns only the first `''` of a string literal into
 * `'` (`value.replace("''", "'")`); the value is taken again from the literal's text.
 */
function unescapeString(token: Token): Token {
  if (token.type !== TokenType.STRING || !token.lexeme.startsWith("'")) return token;
  return { ...token, value: token.lexeme.slice(1, -1).replaceAll("''", "'") };
}

/** Evaluates every expression inside a template, leaving the rest as it is. */
export function evaluateTemplate(template: TemplateValue, contexts: Record<string, JsonValue>, functions: readonly ExtraFunction[] = []): JsonValue {
  if (isTemplateExpression(template)) return evaluateExpression(template.$expr, contexts, functions);
  if (Array.isArray(template)) return template.map((item) => evaluateTemplate(item, contexts, functions));
  if (typeof template === 'object' && template !== null) {
    return Object.fromEntries(Object.entries(template).map(([key, value]) => [key, evaluateTemplate(value, contexts, functions)]));
  }
  return template;
}

/** As a string, the way GitHub turns a value into an environment variable or a `run` script. */
export function evaluateString(template: TemplateValue | undefined, contexts: Record<string, JsonValue>, functions: readonly ExtraFunction[] = []): string {
  if (template === undefined) return '';
  return stringOf(evaluateTemplate(template, contexts, functions));
}

export function stringOf(value: JsonValue): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value, null, 2);
}

/** An `if:` condition: truthy as GitHub coerces it. */
export function evaluateCondition(expression: string, contexts: Record<string, JsonValue>, functions: readonly ExtraFunction[]): boolean {
  return truthy(evaluateExpression(expression, contexts, functions));
}

export function truthy(value: JsonValue): boolean {
  if (value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'string') return value !== '';
  return true;
}
