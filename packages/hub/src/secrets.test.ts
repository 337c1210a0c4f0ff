import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomId, randomIds } from './secrets.ts';

test('randomIds: as many ids as asked, each of randomId\'s form, none repeated', () => {
  const ids = randomIds(1000);
  assert.equal(ids.length, 1000);
  assert.equal(new Set(ids).size, 1000);
  const form = /^[A-Za-z0-9_-]{12}$/;
  assert.ok(ids.every((id) => form.test(id)), 'twelve base64url characters');
  assert.match(randomId(), form);
  assert.deepEqual(randomIds(0), []);
});
