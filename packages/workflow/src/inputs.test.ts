import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { resolveInputs } from './inputs.ts';
import type { DispatchInput } from './model.ts';

const input = (over: Partial<DispatchInput>): DispatchInput => ({ type: 'string', required: false, default: undefined, options: [], description: undefined, ...over });
const declared = {
  level: input({ type: 'choice', options: ['low', 'high'], default: 'low' }),
  dry: input({ type: 'boolean' }),
  count: input({ type: 'number', default: 1 }),
  who: input({ required: true }),
};

test('typed dispatch inputs: defaults and conversions', () => {
  assert.deepEqual(resolveInputs('w.yml', declared, { who: 'me' }), { level: 'low', dry: false, count: 1, who: 'me' });
  assert.deepEqual(resolveInputs('w.yml', declared, { who: 'me', dry: 'true', count: '3', level: 'high' }), { level: 'high', dry: true, count: 3, who: 'me' });
});

test('bad dispatch inputs name the input', () => {
  const rows: { given: Record<string, string>; says: RegExp }[] = [
    { given: {}, says: /"who" is required/ },
    { given: { who: 'x', dry: 'yes' }, says: /boolean/ },
    { given: { who: 'x', count: 'many' }, says: /number/ },
    { given: { who: 'x', level: 'mid' }, says: /one of low, high/ },
    { given: { who: 'x', nope: '1' }, says: /unknown input "nope"/ },
  ];
  for (const row of rows) {
    assert.throws(() => resolveInputs('w.yml', declared, row.given), (error) => isTrueupError(error, 'WORKFLOW_INPUT_INVALID') && row.says.test(error.message) && error.location.file === 'w.yml');
  }
});
