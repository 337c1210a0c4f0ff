import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError, type JsonValue } from '@trueup/api';
import { labelsMatch, runsOnLabels } from './labels.ts';

test('runs-on forms', () => {
  const rows: { value: JsonValue; want: string[] }[] = [
    { value: 'linux', want: ['linux'] },
    { value: ['self-hosted', 'x64'], want: ['self-hosted', 'x64'] },
    { value: { labels: ['gpu'] }, want: ['gpu'] },
  ];
  for (const row of rows) assert.deepEqual(runsOnLabels(row.value), row.want);
  assert.throws(() => runsOnLabels(3), (error) => isTrueupError(error, 'WORKFLOW_INVALID'));
});

test('a runner takes a job when it has every label asked for', () => {
  const rows: { required: string[]; runner: string[]; want: boolean }[] = [
    { required: ['self-hosted'], runner: [], want: true },
    { required: ['linux', 'X64'], runner: ['Linux', 'x64', 'big'], want: true },
    { required: ['linux', 'gpu'], runner: ['linux'], want: false },
  ];
  for (const row of rows) assert.equal(labelsMatch(row.required, row.runner), row.want, JSON.stringify(row));
});
