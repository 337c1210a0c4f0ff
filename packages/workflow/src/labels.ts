/** `runs-on`: the labels a runner must carry to take a job. Pure. */
import type { JsonValue } from '@trueup/api';
import { WorkflowErrors } from './errors.ts';

/** The evaluated `runs-on` (a label, a list, or `{ labels }`) as a list of labels. */
export function runsOnLabels(value: JsonValue): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'labels' in value) return runsOnLabels(value.labels ?? null);
  throw WorkflowErrors.create('WORKFLOW_INVALID', `runs-on must be a label or a list of labels, not ${JSON.stringify(value)}`);
}

/** Whether a runner with these labels may take the job: it has every label asked for (any case). */
export function labelsMatch(required: readonly string[], runner: readonly string[]): boolean {
  const have = new Set([...runner, 'self-hosted'].map((label) => label.toLowerCase()));
  return required.every((label) => have.has(label.toLowerCase()));
}
