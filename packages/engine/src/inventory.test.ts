import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LiveObject, ObjectKey } from '@trueup/api';
import { inventoryAfterPass, inventoryBeforeApply } from './inventory.ts';

const key = (name: string): ObjectKey => ({ apiVersion: 'host.trueup.dev/v1alpha1', kind: 'File', name });
const present = (name: string): LiveObject => ({ key: key(name), manifest: { apiVersion: 'host.trueup.dev/v1alpha1', kind: 'File', metadata: { name }, spec: {} } });
const absent = (name: string): LiveObject => ({ key: key(name), manifest: undefined });
const unreadable = (name: string): LiveObject => ({ key: key(name), manifest: undefined, status: { error: { code: 'HOST_APPLY_FAILED', message: 'EACCES' } } });

test('before applying, the inventory lists the previous keys and every desired one, sorted, once', () => {
  assert.deepEqual(inventoryBeforeApply([key('b'), key('a')], [key('c'), key('a')]), [key('a'), key('b'), key('c')]);
});

const after: Array<{ name: string; listed: string[]; live: LiveObject[]; pruned: string[]; want: string[] }> = [
  { name: 'present objects stay, pruned ones leave', listed: ['a', 'c'], live: [present('a'), present('c')], pruned: ['c'], want: ['a'] },
  { name: 'an absent object leaves (deleted by hand, or by a killed prune)', listed: ['a', 'gone'], live: [present('a'), absent('gone')], pruned: [], want: ['a'] },
  { name: 'a desired object whose apply failed and is absent does not enter', listed: ['a', 'failed'], live: [present('a'), absent('failed')], pruned: [], want: ['a'] },
  { name: 'an object whose observe failed stays: nobody knows it is gone', listed: ['a', 'unknown'], live: [present('a'), unreadable('unknown')], pruned: [], want: ['a', 'unknown'] },
  { name: 'a listed object that was not observed stays', listed: ['a', 'z'], live: [present('a')], pruned: [], want: ['a', 'z'] },
];

for (const c of after) {
  test(`after a pass: ${c.name}`, () => {
    assert.deepEqual(inventoryAfterPass(c.listed.map(key), c.live, c.pruned.map(key)), c.want.map(key));
  });
}
