/** The resource tree's rows: kinds as groups, owners opened onto children fetched shallow or deep, notes for loading and errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupByKind, initiallyOpen, visibleRows, type ChildResource, type ChildrenState, type TreeResource } from '../app/tree/tree-model.ts';

const deployment: TreeResource = { key: 'apps/v1/Deployment/shop/web', kind: 'Deployment', name: 'web', namespace: 'shop', sync: 'Synced', health: 'Healthy', host: false };
const config: TreeResource = { key: 'v1/ConfigMap/shop/settings', kind: 'ConfigMap', name: 'settings', namespace: 'shop', sync: 'OutOfSync', health: 'Healthy', host: false };
const motd: TreeResource = { key: 'host.trueup.dev/v1alpha1/File//motd', kind: 'File', name: 'motd', sync: 'Synced', health: 'Healthy', host: true };
const replicaSet: ChildResource = { key: 'apps/v1/ReplicaSet/shop/web-1', kind: 'ReplicaSet', name: 'web-1', namespace: 'shop', health: 'Healthy', ownerKey: deployment.key };
const pod: ChildResource = { key: 'v1/Pod/shop/web-1-a', kind: 'Pod', name: 'web-1-a', namespace: 'shop', health: 'Healthy', ownerKey: replicaSet.key };

const rowsOf = (open: string[], children: [string, ChildrenState][] = []): string[] =>
  visibleRows({ groups: groupByKind([motd, deployment, config]), open: new Set(open), children: new Map(children) })
    .map((r) => `${'  '.repeat(r.depth - 1)}${r.expandable ? (r.expanded ? '-' : '+') : ' '}${r.kind === '' ? '' : `${r.kind} `}${r.label}`);

test('the resource tree', async (t) => {
  await t.test('kinds sorted, closed until opened; host kinds and leaves cannot be opened', () => {
    assert.deepEqual(rowsOf([]), ['+ConfigMap ConfigMap', '+Deployment Deployment', '+File File']);
    assert.deepEqual(rowsOf(['group:ConfigMap', 'group:Deployment', 'group:File']), [
      '-ConfigMap ConfigMap', '   ConfigMap shop/settings', '-Deployment Deployment', '  +Deployment shop/web', '-File File', '   File motd',
    ]);
  });

  await t.test('an opened owner: loading, then its children, which open onto theirs when asked (shallow answers)', () => {
    assert.deepEqual(rowsOf(['group:Deployment', deployment.key], [[deployment.key, { state: 'loading' }]]).slice(2, -1), ['  -Deployment shop/web', '     Loading…']);
    const shallow: [string, ChildrenState][] = [[deployment.key, { state: 'loaded', items: [replicaSet] }]];
    assert.deepEqual(rowsOf(['group:Deployment', deployment.key], shallow).slice(3, -1), ['    +ReplicaSet web-1']);
    assert.deepEqual(rowsOf(['group:Deployment', deployment.key, replicaSet.key], [...shallow, [replicaSet.key, { state: 'loaded', items: [pod] }]]).slice(3, -1), ['    -ReplicaSet web-1', '       Pod web-1-a']);
  });

  await t.test('a deep answer (the whole subtree) needs no further request, and its leaves cannot be opened', () => {
    const deep: [string, ChildrenState][] = [[deployment.key, { state: 'loaded', items: [replicaSet, pod] }]];
    assert.deepEqual(rowsOf(['group:Deployment', deployment.key], deep).slice(3, -1), ['    +ReplicaSet web-1']);
    assert.deepEqual(rowsOf(['group:Deployment', deployment.key, replicaSet.key], deep).slice(3, -1), ['    -ReplicaSet web-1', '       Pod web-1-a']);
  });

  await t.test('nothing owned, and an error, each say so in place', () => {
    assert.deepEqual(rowsOf(['group:Deployment', deployment.key], [[deployment.key, { state: 'loaded', items: [] }]]).slice(3, -1), ['     Owns nothing']);
    assert.deepEqual(rowsOf(['group:Deployment', deployment.key], [[deployment.key, { state: 'error', message: 'agent offline' }]]).slice(3, -1), ['     agent offline']);
  });

  await t.test('a small application opens every kind at first, a large one none', () => {
    assert.deepEqual([...initiallyOpen(groupByKind([motd, deployment]))].sort(), ['group:Deployment', 'group:File']);
    const many = Array.from({ length: 201 }, (_, i) => ({ ...config, key: `k${i}`, name: `c${i}` }));
    assert.equal(initiallyOpen(groupByKind(many)).size, 0);
  });
});
