import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError, type JsonValue } from '@trueup/api';
import { expandMatrix, matrixJobName } from './matrix.ts';

test('expandMatrix follows GitHub: product, exclude, include', () => {
  const rows: { name: string; matrix: JsonValue; want: JsonValue[] }[] = [
    { name: 'no matrix', matrix: null, want: [{}] },
    { name: 'product, first key slowest', matrix: { os: ['a', 'b'], v: [1, 2] }, want: [{ os: 'a', v: 1 }, { os: 'a', v: 2 }, { os: 'b', v: 1 }, { os: 'b', v: 2 }] },
    { name: 'exclude a partial match', matrix: { os: ['a', 'b'], v: [1, 2], exclude: [{ os: 'b' }] }, want: [{ os: 'a', v: 1 }, { os: 'a', v: 2 }] },
    { name: 'include adds a key where it fits', matrix: { os: ['a', 'b'], include: [{ os: 'a', big: true }] }, want: [{ os: 'a', big: true }, { os: 'b' }] },
    { name: 'include with a new key goes to every combination', matrix: { os: ['a', 'b'], include: [{ color: 'green' }] }, want: [{ os: 'a', color: 'green' }, { os: 'b', color: 'green' }] },
    { name: 'include that changes an original value is a new job', matrix: { os: ['a'], include: [{ os: 'c', x: 1 }] }, want: [{ os: 'a' }, { os: 'c', x: 1 }] },
    { name: 'include only', matrix: { include: [{ a: 1 }, { a: 2 }] }, want: [{ a: 1 }, { a: 2 }] },
    { name: 'object values compare deeply', matrix: { cfg: [{ n: 1 }, { n: 2 }], exclude: [{ cfg: { n: 2 } }] }, want: [{ cfg: { n: 1 } }] },
  ];
  for (const row of rows) assert.deepEqual(expandMatrix(row.matrix), row.want, row.name);
});

test('a matrix of more than 256 jobs is refused', () => {
  const rows: JsonValue[] = [
    { a: Array.from({ length: 16 }, (_, i) => i), b: Array.from({ length: 17 }, (_, i) => i) },
    { a: Array.from({ length: 1000 }, (_, i) => i), b: Array.from({ length: 1000 }, (_, i) => i) },
    { a: Array.from({ length: 256 }, (_, i) => i), include: [{ a: 'extra' }] },
  ];
  for (const matrix of rows) {
    assert.throws(() => expandMatrix(matrix, { file: 'w.yml', line: 3 }), (error) => isTrueupError(error, 'WORKFLOW_MATRIX_TOO_LARGE') && error.location.line === 3);
  }
  assert.equal(expandMatrix({ a: Array.from({ length: 16 }, (_, i) => i), b: Array.from({ length: 16 }, (_, i) => i) }).length, 256);
});

test('a malformed matrix is a clear error', () => {
  assert.throws(() => expandMatrix({ os: 'linux' }), (error) => isTrueupError(error, 'WORKFLOW_MATRIX_INVALID'));
  assert.throws(() => expandMatrix({ os: ['a'], include: 'x' }), (error) => isTrueupError(error, 'WORKFLOW_MATRIX_INVALID'));
});

test('matrixJobName', () => {
  assert.equal(matrixJobName('build', { os: 'linux', v: 24 }), 'build (linux, 24)');
  assert.equal(matrixJobName('build', {}), 'build');
});
