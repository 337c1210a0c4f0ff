/**
 * The shared list+watch mirror facing faults a real API server will not produce on demand: a
 * resourceVersion too old (410 Gone, in the stream or as the answer), error events, streams that
 * end at once. The client is a fault injector that plays a script of list answers and watch
 * streams; watch-resume.test.ts covers the same paths against a real, restarted API server.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Manifest } from '@trueup/api';
import type { ResourceInfo } from './discovery.ts';
import { KubeErrors } from './errors.ts';
import type { KubeClient, WatchEvent, WatchStream } from './kube-client.ts';
import { MANAGED_BY, MANAGED_BY_LABEL, ResourceWatch, type ObjectChange } from './resource-watch.ts';
import { sleep } from './testing.ts';

const CONFIG_MAPS: ResourceInfo = { apiVersion: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespaced: true, verbs: ['list', 'watch'] };

interface ListAnswer {
  resourceVersion: string;
  items: Manifest[];
}

/** One watch request: refused with `fail`, or a stream that sends `events` and then ends (`end`) or stays open. */
interface StreamScript {
  fail?: Error;
  events?: WatchEvent[];
  end?: boolean;
}

/** Fault injector in the place of KubeClient: answers lists and watches from a script; the last entry repeats. */
class ScriptedClient {
  readonly watchQueries: Array<Record<string, string | undefined>> = [];
  readonly #lists: ListAnswer[];
  readonly #streams: StreamScript[];
  readonly #open = new Set<() => void>();
  lists = 0;

  constructor(lists: ListAnswer[], streams: StreamScript[]) {
    this.#lists = lists;
    this.#streams = streams;
  }

  async request(method: string, path: string, options: { query?: Record<string, string | undefined> }): Promise<unknown> {
    assert.equal(method, 'GET');
    assert.equal(path, '/api/v1/configmaps');
    assert.equal(options.query?.['labelSelector'], `${MANAGED_BY_LABEL}=${MANAGED_BY}`);
    const answer = this.#lists[Math.min(this.lists++, this.#lists.length - 1)];
    if (answer === undefined) throw new Error('no list answer scripted');
    return { metadata: { resourceVersion: answer.resourceVersion }, items: structuredClone(answer.items) };
  }

  async watch(_path: string, query: Record<string, string | undefined>, onEvent: (event: WatchEvent) => void): Promise<WatchStream> {
    const script = this.#streams[Math.min(this.watchQueries.length, this.#streams.length - 1)] ?? {};
    this.watchQueries.push(query);
    if (script.fail !== undefined) throw script.fail;
    let end = (): void => undefined;
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    this.#open.add(end);
    setImmediate(() => {
      for (const event of script.events ?? []) onEvent(structuredClone(event));
      if (script.end === true) end();
    });
    return { ended, close: end };
  }

  asClient(): KubeClient {
    return this as unknown as KubeClient;
  }
}

function configMap(name: string, resourceVersion: string, data: Record<string, string> = {}): Manifest {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', resourceVersion, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } }, data };
}

const gone: WatchEvent = { type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'too old resource version: 10 (15)', reason: 'Expired', code: 410 } };

function summary(changes: readonly ObjectChange[]): string[] {
  const version = (manifest: Manifest | undefined) => (typeof manifest?.metadata.resourceVersion === 'string' ? manifest.metadata.resourceVersion : '-');
  return changes.map((c) => `${(c.after ?? c.before)?.metadata.name ?? '?'} ${version(c.before)}→${version(c.after)}`).sort();
}

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(10);
  }
}

test('a watch that ends resumes from the last resourceVersion it saw, without listing again', async () => {
  const client = new ScriptedClient(
    [{ resourceVersion: '10', items: [configMap('a', '5')] }],
    [{ events: [{ type: 'MODIFIED', object: configMap('a', '11', { k: 'v' }) }, { type: 'BOOKMARK', object: { metadata: { resourceVersion: '12' } } }], end: true }, {}],
  );
  const changes: ObjectChange[] = [];
  const watch = new ResourceWatch(client.asClient(), CONFIG_MAPS, (change) => changes.push(change));
  try {
    await watch.synced;
    await until('the second watch', () => client.watchQueries.length >= 2);
    assert.deepEqual(client.watchQueries.map((q) => q['resourceVersion']), ['10', '12']);
    assert.equal(client.lists, 1);
    assert.deepEqual(summary(changes), ['a 5→11']);
    assert.deepEqual(watch.get('ns', 'a')?.['data'], { k: 'v' });
  } finally {
    watch.close();
  }
});

test('410 Gone in the stream: a relist reports what changed, appeared and disappeared meanwhile', async () => {
  const client = new ScriptedClient(
    [
      { resourceVersion: '10', items: [configMap('a', '5'), configMap('b', '6'), configMap('same', '7')] },
      { resourceVersion: '20', items: [configMap('a', '15', { changed: 'yes' }), configMap('c', '16'), configMap('same', '7')] },
    ],
    [{ events: [gone], end: false }, {}],
  );
  const changes: ObjectChange[] = [];
  const watch = new ResourceWatch(client.asClient(), CONFIG_MAPS, (change) => changes.push(change));
  try {
    await watch.synced;
    await until('the watch after the relist', () => client.watchQueries.length >= 2);
    assert.equal(client.lists, 2);
    assert.deepEqual(client.watchQueries.map((q) => q['resourceVersion']), ['10', '20']);
    assert.deepEqual(summary(changes), ['a 5→15', 'b 6→-', 'c -→16']);
    assert.equal(watch.get('ns', 'b'), undefined);
    assert.deepEqual(watch.get('ns', 'a')?.['data'], { changed: 'yes' });
    assert.ok(watch.restarts >= 1);
  } finally {
    watch.close();
  }
});

test('410 Gone as the answer to the watch request: a relist reports the changes', async () => {
  const expired = KubeErrors.create('KUBE_REQUEST_FAILED', 'WATCH /api/v1/configmaps: too old resource version', {}, { cause: { status: 410, reason: 'Expired', causes: [] } });
  const client = new ScriptedClient(
    [{ resourceVersion: '10', items: [configMap('a', '5')] }, { resourceVersion: '30', items: [] }],
    [{ fail: expired }, {}],
  );
  const changes: ObjectChange[] = [];
  const watch = new ResourceWatch(client.asClient(), CONFIG_MAPS, (change) => changes.push(change));
  try {
    await watch.synced;
    await until('the watch after the relist', () => client.watchQueries.length >= 2);
    assert.deepEqual(client.watchQueries.map((q) => q['resourceVersion']), ['10', '30']);
    assert.deepEqual(summary(changes), ['a 5→-']);
    assert.ok(watch.restarts >= 1, 'a relist counts as a restart');
  } finally {
    watch.close();
  }
});

test('error events other than 410 and streams that end at once back off instead of spinning', async () => {
  const failing: WatchEvent = { type: 'ERROR', object: { kind: 'Status', status: 'Failure', message: 'etcdserver: request timed out', reason: 'InternalError', code: 500 } };
  for (const script of [{ events: [failing], end: false }, { end: true }]) {
    const client = new ScriptedClient([{ resourceVersion: '10', items: [] }], [script]);
    const watch = new ResourceWatch(client.asClient(), CONFIG_MAPS, () => undefined);
    try {
      await watch.synced;
      await sleep(1500);
      // 250 ms, then 500 ms, then 1 s between attempts: a handful, not thousands.
      assert.ok(client.watchQueries.length <= 6, `${JSON.stringify(script)}: ${client.watchQueries.length} watch requests in 1.5 s`);
      assert.ok(client.watchQueries.length >= 2, 'it does try again');
      assert.equal(client.lists, 1, 'no relist for errors other than 410');
    } finally {
      watch.close();
    }
  }
});

test('close stops the watch loop, also while it waits to retry', async () => {
  const refused = KubeErrors.create('KUBE_UNREACHABLE', 'connect ECONNREFUSED');
  const client = new ScriptedClient([{ resourceVersion: '10', items: [] }], [{ fail: refused }]);
  const watch = new ResourceWatch(client.asClient(), CONFIG_MAPS, () => undefined);
  await watch.synced;
  await sleep(100);
  watch.close();
  const attempts = client.watchQueries.length;
  await sleep(1000);
  assert.equal(client.watchQueries.length, attempts);
});
