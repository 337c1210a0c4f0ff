import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changedFields, withoutPointers } from './compare.ts';

test('withoutPointers: RFC 6901 escapes, array indices of the original, and pointers that lead nowhere', () => {
  const value = { metadata: { annotations: { 'a/b': '1', 'c~d': '2', e: '3' } }, list: ['x', 'y', 'z'], nested: [{ a: 1, b: 2 }] };
  const out = withoutPointers(value, ['/metadata/annotations/a~1b', '/metadata/annotations/c~0d', '/list/0', '/list/1', '/nested/0/b', '/missing/x', '/list/9', '/list/-', '']);
  assert.deepEqual(out, { metadata: { annotations: { e: '3' } }, list: ['z'], nested: [{ a: 1 }] });
  assert.deepEqual(value.list, ['x', 'y', 'z'], 'the input is not changed');
});

test('changedFields: both ways, named items by name, same-length lists by index', () => {
  assert.deepEqual(changedFields({ a: 1, b: { c: 2 } }, { a: 1, b: { c: 2 } }), []);
  assert.deepEqual(changedFields({ a: 1, gone: true }, { a: 2, added: true }), ['a', 'added', 'gone']);
  assert.deepEqual(changedFields({ env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }, { env: [{ name: 'B', value: '3' }, { name: 'A', value: '1' }, { name: 'C' }] }), ['env[name=B].value', 'env[name=C]']);
  assert.deepEqual(changedFields({ ports: [{ port: 80 }, { port: 81 }] }, { ports: [{ port: 80 }, { port: 82 }] }), ['ports[1].port']);
  assert.deepEqual(changedFields({ args: ['a'] }, { args: ['a', 'b'] }), ['args']);
  assert.deepEqual(changedFields({ a: { b: 1 } }, { a: 'text' }), ['a']);
});
