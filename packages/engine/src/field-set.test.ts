import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldSetValuePaths, parseFieldsV1 } from './field-set.ts';

test('fieldSetValuePaths: leaves found in a value, list items by key, set value and index, minus what is kept', () => {
  const value = {
    spec: {
      replicas: 3,
      containers: [{ name: 'web', image: 'web:1', args: ['--a', '--b'] }, { name: 'proxy', image: 'proxy:1' }],
      finalizers: ['x', 'y'],
    },
  };
  const owned = parseFieldsV1({
    'f:spec': {
      'f:replicas': {},
      'f:missing': {},
      'f:containers': { 'k:{"name":"proxy"}': { '.': {}, 'f:image': {} }, 'k:{"name":"web"}': { 'f:args': { 'i:1': {} } } },
      'f:finalizers': { 'v:"y"': {} },
    },
  });
  const keep = parseFieldsV1({ 'f:spec': { 'f:replicas': {} } });
  assert.deepEqual(fieldSetValuePaths(value, owned), [
    ['spec', 'replicas'],
    ['spec', 'containers', 1, 'image'],
    ['spec', 'containers', 0, 'args', 1],
    ['spec', 'finalizers', 1],
  ]);
  assert.deepEqual(fieldSetValuePaths(value, owned, keep).map((path) => path.join('.')), ['spec.containers.1.image', 'spec.containers.0.args.1', 'spec.finalizers.1']);
});
