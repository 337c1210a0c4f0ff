/**
 * `strategy.matrix` expanded as GitHub does: the cross product of its keys, minus `exclude`,
 * then `include` entries merged into every combination they fit or added as new ones. Pure.
 */
import type { JsonValue } from '@trueup/api';
import { WorkflowErrors } from './errors.ts';

export const MAX_MATRIX_JOBS = 256;

export type Combination = Record<string, JsonValue>;

export function expandMatrix(matrix: JsonValue | undefined, where: { file?: string; line?: number; column?: number } = {}): Combination[] {
  if (matrix === undefined || matrix === null) return [{}];
  if (typeof matrix !== 'object' || Array.isArray(matrix)) throw WorkflowErrors.create('WORKFLOW_MATRIX_INVALID', 'strategy.matrix must be a mapping', { ...where, field: 'strategy.matrix' });
  const { include, exclude, ...axes } = matrix;
  const product = Object.values(axes).reduce<number>((n, values) => n * (Array.isArray(values) && values.length > 0 ? values.length : 1), 1);
  if (product > MAX_MATRIX_JOBS * 64) {
    throw WorkflowErrors.create('WORKFLOW_MATRIX_TOO_LARGE', `the matrix makes ${product} combinations; at most ${MAX_MATRIX_JOBS} jobs are allowed`, { ...where, field: 'strategy.matrix' });
  }
  let combos: Combination[] = [{}];
  for (const [key, values] of Object.entries(axes)) {
    if (!Array.isArray(values)) throw WorkflowErrors.create('WORKFLOW_MATRIX_INVALID', `matrix.${key} must be a list`, { ...where, field: `strategy.matrix.${key}` });
    if (values.length === 0) continue;
    combos = combos.flatMap((combo) => values.map((value) => ({ ...combo, [key]: value })));
  }
  if (Object.keys(axes).length === 0) combos = [];
  combos = combos.filter((combo) => !entries(exclude, 'exclude', where).some((rule) => matches(combo, rule)));
  const original = new Set(Object.keys(axes));
  // Include entries merge only into combinations of the product, never into ones an include added.
  const originals = combos.map((combo) => ({ ...combo }));
  for (const extra of entries(include, 'include', where)) {
    let merged = false;
    combos.slice(0, originals.length).forEach((combo, index) => {
      const base = originals[index] as Combination;
      const fits = Object.entries(extra).every(([key, value]) => !original.has(key) || (key in base && equal(base[key] as JsonValue, value)));
      if (fits) {
        Object.assign(combo, extra);
        merged = true;
      }
    });
    if (!merged) combos.push({ ...extra });
  }
  if (combos.length > MAX_MATRIX_JOBS) {
    throw WorkflowErrors.create('WORKFLOW_MATRIX_TOO_LARGE', `the matrix makes ${combos.length} jobs; at most ${MAX_MATRIX_JOBS} are allowed`, { ...where, field: 'strategy.matrix' });
  }
  return combos.length === 0 ? [{}] : combos;
}

function entries(value: JsonValue | undefined, name: string, where: object): Combination[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'object' || item === null || Array.isArray(item))) {
    throw WorkflowErrors.create('WORKFLOW_MATRIX_INVALID', `matrix.${name} must be a list of mappings`, { ...where, field: `strategy.matrix.${name}` });
  }
  return value as Combination[];
}

function matches(combo: Combination, rule: Combination): boolean {
  return Object.entries(rule).every(([key, value]) => key in combo && equal(combo[key] as JsonValue, value));
}

function equal(a: JsonValue, b: JsonValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The name of one matrix job, as GitHub shows it: `build (linux, 20)`. */
export function matrixJobName(base: string, combo: Combination): string {
  const values = Object.values(combo).map((value) => (typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)));
  return values.length === 0 ? base : `${base} (${values.join(', ')})`;
}
