/** Validates a parsed document against a schema; errors name the file, the line and the field. */
import type { z } from 'zod';
import { ApiErrors, type TrueupError } from './errors.ts';
import { formatFieldPath, type FieldPath, type ParsedDocument } from './yaml.ts';

export function validateDocument<S extends z.ZodType>(schema: S, doc: ParsedDocument, file: string): z.output<S> {
  const result = schema.safeParse(doc.value);
  if (result.success) return result.data;
  throw issueToError(result.error.issues[0], doc, file);
}

/** Builds the error for a field of a document: used by validators outside zod too. */
export function fieldError(doc: ParsedDocument, file: string, path: FieldPath, message: string, code: 'API_FIELD_INVALID' | 'API_FIELD_UNKNOWN' = 'API_FIELD_INVALID'): TrueupError {
  return ApiErrors.create(code, message, { file, line: doc.lineOf(path), field: formatFieldPath(path) });
}

function issueToError(issue: z.core.$ZodIssue | undefined, doc: ParsedDocument, file: string): TrueupError {
  if (issue === undefined) return ApiErrors.create('API_FIELD_INVALID', 'invalid document', { file, line: doc.line });
  const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    return fieldError(doc, file, [...path, key], `unknown field "${key}"`, 'API_FIELD_UNKNOWN');
  }
  return fieldError(doc, file, path, describeIssue(issue));
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? `required field is missing (${issue.expected})` : `expected ${issue.expected}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message;
  }
}
