/**
 * The mirror records our writes at once, but never over a newer version the watch delivered
 * first: a CRD's controller marks it Established before the answer to our apply arrives, and a
 * mirror holding the older copy would wait for Established forever. The client is a fault
 * injector: the race is too short to produce on demand against a real API server.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Manifest } from '@trueup/api';
import type { ResourceInfo } from './discovery.ts';
import type { KubeClient, WatchEvent, WatchStream } from './kube-client.ts';
import { MANAGED_BY, MANAGED_BY_LABEL, ResourceWatch } from './resource-watch.ts';
import { waitFor } from './testing.ts';

const CRDS: ResourceInfo = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', resource: 'customresourcedefinitions', namespaced: false, verbs: ['list', 'watch'] };

function crd(resourceVersion: string, established: boolean): Manifest {
  return {
    apiVersion: CRDS.apiVersion, kind: CRDS.kind,
    metadata: { name: 'widgets.example.com', resourceVersion, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
    status: established ? { conditions: [{ type: 'Established', status: 'True' }] } : {},
  };
}

/** Fake client: an empty list, then a watch stream that sends `events` and stays open. */
function fakeClient(events: WatchEvent[]): KubeClient {
  return {
    request: () => Promise.resolve({ metadata: { resourceVersion: '1' }, items: [] }),
    watch: (_path: string, _query: unknown, onEvent: (event: WatchEvent) => void): Promise<WatchStream> => {
      setImmediate(() => events.forEach((event) => onEvent(structuredClone(event))));
      return Promise.resolve({ ended: new Promise<void>(() => undefined), close: () => undefined });
    },
  } as unknown as KubeClient;
}

test('remember keeps a newer version the watch delivered before the answer to our write', async () => {
  const watch = new ResourceWatch(fakeClient([
    { type: 'ADDED', object: crd('5', false) },
    { type: 'MODIFIED', object: crd('6', true) },
  ]), CRDS, () => undefined);
  try {
    await watch.synced;
    await waitFor('the watch events', () => Promise.resolve(watch.get(undefined, 'widgets.example.com')?.metadata.resourceVersion === '6' ? true : undefined), 5000);
    watch.remember(crd('5', false)); // the answer to our apply, late
    assert.equal(watch.get(undefined, 'widgets.example.com')?.metadata.resourceVersion, '6');
    watch.remember(crd('7', true)); // a later write of ours is recorded at once
    assert.equal(watch.get(undefined, 'widgets.example.com')?.metadata.resourceVersion, '7');
  } finally {
    watch.close();
  }
});
