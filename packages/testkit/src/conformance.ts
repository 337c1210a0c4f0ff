/**
 * The provider conformance suite: what every `Provider` (host, Kubernetes…) must do, whatever it
 * manages. A provider's test calls `runProviderConformance` with a factory that gives a fresh
 * provider, the objects to use, a way to change an object behind the provider's back, and cleanup.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyId, type DesiredObject, type DriftSignal, type LiveObject, type Provider } from '@trueup/api';

export interface ConformanceObjects {
  /** The object as first created. */
  initial: DesiredObject;
  /** The same key with a different spec. */
  changed: DesiredObject;
  /** Optional second object, to check that observe keeps the order of keys. */
  other?: DesiredObject;
}

export interface ConformanceFixture {
  provider: Provider;
  objects: ConformanceObjects;
  /** Changes the live object behind the provider's back, so it differs from what was applied. */
  tamper: (key: DesiredObject['key']) => Promise<void>;
  /** Releases everything; the suite closes the provider first. */
  cleanup: () => Promise<void>;
}

export interface ConformanceOptions {
  /** Upper bound for a drift signal after tampering; default 5 s. */
  driftTimeoutMs?: number;
  /** How long to wait for signals that must not come; default 500 ms. */
  quietMs?: number;
}

export function runProviderConformance(name: string, factory: () => Promise<ConformanceFixture>, options: ConformanceOptions = {}): void {
  const driftTimeoutMs = options.driftTimeoutMs ?? 5000;
  const quietMs = options.quietMs ?? 500;
  const withFixture = (title: string, body: (fixture: ConformanceFixture) => Promise<void>): void => {
    test(`${name} conformance: ${title}`, async () => {
      const fixture = await factory();
      try {
        await body(fixture);
      } finally {
        await fixture.provider.close();
        await fixture.cleanup();
      }
    });
  };

  withFixture('observe of absent objects has no manifest, in the order of the keys', async ({ provider, objects }) => {
    const list = [objects.initial, ...(objects.other === undefined ? [] : [objects.other])];
    const live = await provider.observe(list.map((o) => o.key).reverse(), desiredMap(list));
    assert.deepEqual(live.map((l) => keyId(l.key)), list.map((o) => keyId(o.key)).reverse());
    for (const item of live) assert.equal(item.manifest, undefined, `${keyId(item.key)} should be absent`);
  });

  withFixture('apply create, then observe shows it', async ({ provider, objects }) => {
    await applyObject(provider, objects.initial);
    assertMatches(await observeOne(provider, objects.initial), objects.initial);
  });

  withFixture('apply update after a change, then observe shows the new value', async ({ provider, objects }) => {
    await applyObject(provider, objects.initial);
    await applyObject(provider, objects.changed);
    assertMatches(await observeOne(provider, objects.changed), objects.changed);
  });

  withFixture('apply is idempotent', async ({ provider, objects }) => {
    await applyObject(provider, objects.initial);
    const first = await observeOne(provider, objects.initial);
    await provider.apply({ desired: objects.initial, live: first, reason: 'update' });
    const second = await observeOne(provider, objects.initial);
    assert.deepEqual(second.manifest, first.manifest);
  });

  withFixture('delete makes it absent; deleting an absent object is a no-op', async ({ provider, objects }) => {
    await applyObject(provider, objects.initial);
    const live = await observeOne(provider, objects.initial);
    await provider.delete(live);
    const after = await provider.observe([objects.initial.key], new Map());
    assert.equal(after[0]?.manifest, undefined);
    const gone = await observeOne(provider, objects.initial);
    assert.equal(gone.manifest, undefined);
    await provider.delete(live);
    await provider.delete(gone);
  });

  withFixture('watch signals drift after a change behind its back', async ({ provider, objects, tamper }) => {
    await applyObject(provider, objects.initial);
    const signals = collect(provider, [objects.initial]);
    try {
      await tamper(objects.initial.key);
      const signal = await signals.next((s) => keyId(s.key) === keyId(objects.initial.key), driftTimeoutMs);
      assert.equal(signal.source, 'watch');
    } finally {
      await signals.close();
    }
  });

  withFixture('watch does not signal the provider’s own apply', async ({ provider, objects }) => {
    await applyObject(provider, objects.initial);
    const signals = collect(provider, [objects.changed]);
    try {
      await applyObject(provider, objects.changed);
      await new Promise((resolve) => setTimeout(resolve, quietMs));
      assert.deepEqual(signals.seen().filter((s) => keyId(s.key) === keyId(objects.changed.key)), []);
    } finally {
      await signals.close();
    }
  });

  withFixture('close resolves', async ({ provider, objects }) => {
    const watch = provider.watch(() => undefined);
    watch.update([objects.initial]);
    await watch.close();
    await provider.close();
  });
}

function desiredMap(objects: readonly DesiredObject[]): Map<string, DesiredObject> {
  return new Map(objects.map((o) => [keyId(o.key), o]));
}

async function observeOne(provider: Provider, desired: DesiredObject): Promise<LiveObject> {
  const [live] = await provider.observe([desired.key], desiredMap([desired]));
  assert.ok(live !== undefined, 'observe returns one live object per key');
  return live;
}

/** Observes, then applies with the reason the engine would give. */
async function applyObject(provider: Provider, desired: DesiredObject): Promise<void> {
  const live = await observeOne(provider, desired);
  await provider.apply({ desired, live, reason: live.manifest === undefined ? 'create' : 'update' });
}

/** Every field Git sets has the same value live; a provider (or server) may add fields of its own, also inside list items. */
function assertMatches(live: LiveObject, desired: DesiredObject): void {
  assert.ok(live.manifest !== undefined, `${keyId(desired.key)} should exist`);
  assertSubset(live.manifest.spec, desired.manifest.spec, 'spec');
}

function assertSubset(live: unknown, desired: unknown, path: string): void {
  if (Array.isArray(desired)) {
    assert.ok(Array.isArray(live) && live.length === desired.length, `${path}: expected a list of ${desired.length}`);
    desired.forEach((item, index) => assertSubset((live as unknown[])[index], item, `${path}[${index}]`));
    return;
  }
  if (typeof desired === 'object' && desired !== null && !Array.isArray(desired)) {
    assert.ok(typeof live === 'object' && live !== null, `${path}: expected an object`);
    for (const [field, value] of Object.entries(desired)) assertSubset((live as Record<string, unknown>)[field], value, `${path}.${field}`);
    return;
  }
  assert.deepEqual(live, desired, `${path} differs`);
}

function collect(provider: Provider, objects: readonly DesiredObject[]): {
  next(match: (signal: DriftSignal) => boolean, timeoutMs: number): Promise<DriftSignal>;
  seen(): DriftSignal[];
  close(): Promise<void>;
} {
  const seen: DriftSignal[] = [];
  const waiters: Array<{ match: (signal: DriftSignal) => boolean; resolve: (signal: DriftSignal) => void }> = [];
  const watch = provider.watch((signal) => {
    seen.push(signal);
    for (const waiter of waiters.splice(0)) {
      if (waiter.match(signal)) waiter.resolve(signal);
      else waiters.push(waiter);
    }
  });
  watch.update(objects);
  return {
    next(match, timeoutMs) {
      const already = seen.find(match);
      if (already !== undefined) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no drift signal within ${timeoutMs}ms`)), timeoutMs);
        waiters.push({ match, resolve: (signal) => (clearTimeout(timer), resolve(signal)) });
      });
    },
    seen: () => [...seen],
    close: () => watch.close(),
  };
}
