import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyId, keyOf, type LiveObject, type Manifest } from '@trueup/api';
import { withObserved } from './observed-live.ts';

function deployment(ready: number, resourceVersion: string): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', generation: 1, resourceVersion },
    spec: { replicas: 2 },
    status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: ready, availableReplicas: ready },
  };
}

test('a reported manifest replaces the held one, keeps the prediction, and says when health moved', () => {
  const held: LiveObject = { key: keyOf(deployment(1, '10')), manifest: deployment(1, '10'), expected: deployment(1, '10') };
  const id = keyId(held.key);
  const rolledOut = withObserved([held], new Map([[id, deployment(2, '11')]]));
  assert.equal(rolledOut.healthMoved, true);
  assert.equal(rolledOut.live[0]?.manifest?.metadata['resourceVersion'], '11');
  assert.equal(rolledOut.live[0]?.expected, held.expected);
  const same = withObserved(rolledOut.live, new Map([[id, deployment(2, '12')]]));
  assert.equal(same.healthMoved, false, 'a status write that leaves health as it was');
  assert.equal(withObserved([held], new Map()).live[0], held, 'objects not reported are kept as they are');
  const absent: LiveObject = { key: held.key, manifest: undefined };
  assert.equal(withObserved([absent], new Map([[id, deployment(2, '13')]])).live[0]?.manifest, undefined, 'an object observed absent waits for the next pass');
});
