/** Turns the parser's validation errors into one TrueupError naming file:line:column. */
import type { TrueupError } from '@trueup/api';
import { WorkflowErrors, type WorkflowErrorCode } from './errors.ts';

const MAX_SHOWN = 10;

export interface ParseProblem {
  rawMessage: string;
  range: { start: { line: number; column: number } } | undefined;
}

/** All problems in one message, the first one's position as the error's location. */
export function problemsError(file: string, problems: readonly ParseProblem[], code: WorkflowErrorCode = 'WORKFLOW_INVALID'): TrueupError {
  // YAML syntax errors carry a drawing of the line after the first line: the position says it.
  const text = (p: ParseProblem): string => p.rawMessage.split('\n')[0] ?? p.rawMessage;
  const lines = problems.map((p) => `${file}:${p.range?.start.line ?? 1}:${p.range?.start.column ?? 1}: ${text(p)}`);
  const first = problems[0];
  const shown = lines.slice(0, MAX_SHOWN).join('\n') + (lines.length > MAX_SHOWN ? `\n… and ${lines.length - MAX_SHOWN} more` : '');
  const message = problems.length === 1 ? (first === undefined ? 'invalid' : text(first)) : `${problems.length} problems:\n${shown}`;
  return WorkflowErrors.create(code, message, { file, line: first?.range?.start.line ?? 1, column: first?.range?.start.column ?? 1 });
}
