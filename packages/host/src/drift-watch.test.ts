import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { keyId, type DesiredObject, type DriftSignal, type Provider } from '@trueup/api';
import { apply, hostObject, observe, sandbox, sleep, waitFor } from './testing.ts';

function recorder(provider: Provider, objects: DesiredObject[]): { signals: DriftSignal[]; update(objects: DesiredObject[]): void; close(): Promise<void> } {
  const signals: DriftSignal[] = [];
  const watch = provider.watch((signal) => signals.push(signal));
  watch.update(objects);
  return { signals, update: (next) => watch.update(next), close: () => watch.close() };
}

const about = (signals: DriftSignal[], object: DesiredObject): DriftSignal[] => signals.filter((s) => keyId(s.key) === keyId(object.key));

test('watch: content, mode, type and deletion changes of managed paths signal; unmanaged neighbours do not', async () => {
  const box = await sandbox();
  try {
    const file = hostObject('File', 'conf', { path: '/etc/app/app.conf', content: 'a' });
    const dir = hostObject('Directory', 'data', { path: '/var/data' });
    const link = hostObject('Symlink', 'current', { path: '/etc/app/current', target: '/var/data' });
    const cmd = hostObject('Command', 'init', { run: 'touch "$TRUEUP_ROOT/etc/app/.done"', creates: '/etc/app/.done' });
    for (const object of [file, dir, link, cmd]) await apply(box.provider, object);
    const watch = recorder(box.provider, [file, dir, link, cmd]);
    await writeFile(join(box.root, 'etc/app/unmanaged'), 'x');
    await sleep(300);
    assert.deepEqual(watch.signals, [], 'no signal for unmanaged files or for what the provider did');

    await writeFile(join(box.root, 'etc/app/app.conf'), 'tampered');
    const signal = await waitFor(() => about(watch.signals, file)[0], 5000, 'file signal');
    assert.equal(signal.source, 'watch');
    await chmod(join(box.root, 'var/data'), 0o700);
    await waitFor(() => about(watch.signals, dir)[0], 5000, 'directory signal');
    await unlink(join(box.root, 'etc/app/current'));
    await symlink('/elsewhere', join(box.root, 'etc/app/current'));
    await waitFor(() => about(watch.signals, link)[0], 5000, 'symlink signal');
    await unlink(join(box.root, 'etc/app/.done'));
    await waitFor(() => about(watch.signals, cmd)[0], 5000, 'creates signal');
    await watch.close();
  } finally {
    await box.cleanup();
  }
});

test('watch: healing does not trigger itself; a tampered file is healed once', async () => {
  const box = await sandbox();
  try {
    const file = hostObject('File', 'conf', { path: '/etc/app.conf', content: 'desired\n' });
    await apply(box.provider, file);
    let heals = 0;
    const watch = box.provider.watch((signal) => {
      if (signal.source !== 'watch') return;
      heals++;
      void apply(box.provider, file);
    });
    watch.update([file]);
    await writeFile(join(box.root, 'etc/app.conf'), 'tampered\n');
    await waitFor(async () => ((await readFile(join(box.root, 'etc/app.conf'), 'utf8')) === 'desired\n' && heals > 0) || undefined, 5000, 'healed');
    await sleep(500);
    assert.ok(heals <= 2, `healed ${heals} times: the heal must not signal itself`);
    const settled = heals;
    await sleep(300);
    assert.equal(heals, settled);
    await watch.close();
  } finally {
    await box.cleanup();
  }
});

test('watch: a removed parent directory is watched again once it is back', async () => {
  const box = await sandbox();
  try {
    const file = hostObject('File', 'conf', { path: '/etc/app/app.conf', content: 'a' });
    await apply(box.provider, file);
    const watch = recorder(box.provider, [file]);
    await rm(join(box.root, 'etc/app'), { recursive: true });
    await waitFor(() => about(watch.signals, file)[0], 5000, 'signal for the removal');
    await apply(box.provider, file); // heals: recreates the directory and the file
    watch.signals.length = 0;
    await sleep(100);
    await writeFile(join(box.root, 'etc/app/app.conf'), 'tampered again');
    await waitFor(() => about(watch.signals, file)[0], 5000, 'signal after the directory came back');

    await rm(join(box.root, 'etc'), { recursive: true });
    await sleep(100);
    watch.signals.length = 0;
    await mkdir(join(box.root, 'etc/app'), { recursive: true }); // recreated by someone else
    await sleep(700);
    await writeFile(join(box.root, 'etc/app/app.conf'), 'planted');
    await waitFor(() => about(watch.signals, file)[0], 5000, 'signal once the missing directory appeared');
    await watch.close();
  } finally {
    await box.cleanup();
  }
});

test('watch: update replaces the watched set; close stops signals', async () => {
  const box = await sandbox();
  try {
    const a = hostObject('File', 'a', { path: '/a', content: 'a' });
    const b = hostObject('File', 'b', { path: '/sub/b', content: 'b' });
    await apply(box.provider, a);
    await apply(box.provider, b);
    const watch = recorder(box.provider, [a]);
    watch.update([b]);
    await writeFile(join(box.root, 'a'), 'changed');
    await writeFile(join(box.root, 'sub/b'), 'changed');
    await waitFor(() => about(watch.signals, b)[0], 5000, 'signal for b');
    await sleep(200);
    assert.deepEqual(about(watch.signals, a), [], 'a is no longer watched');
    await watch.close();
    watch.signals.length = 0;
    await writeFile(join(box.root, 'sub/b'), 'after close');
    await sleep(300);
    assert.deepEqual(watch.signals, []);
  } finally {
    await box.cleanup();
  }
});

test('watch and observe scale to 1,000 files; a tamper is healed quickly', async (t) => {
  const box = await sandbox();
  try {
    const files = Array.from({ length: 1000 }, (_, i) => hostObject('File', `f${i}`, { path: `/etc/app/d${i % 50}/f${i}.conf`, content: `value ${i}\n`.repeat(20) }));
    const desired = new Map(files.map((f) => [keyId(f.key), f]));
    const keys = files.map((f) => f.key);
    let started = performance.now();
    const absent = await box.provider.observe(keys, desired);
    await Promise.all(files.map((f, i) => box.provider.apply({ desired: f, live: absent[i] ?? { key: f.key, manifest: undefined }, reason: 'create' })));
    const applyMs = performance.now() - started;
    started = performance.now();
    const live = await box.provider.observe(keys, desired);
    const observeMs = performance.now() - started;
    assert.ok(live.every((l, i) => l.manifest?.spec?.content === files[i]?.manifest.spec?.content));
    assert.ok(observeMs < 5000, `observe of 1,000 files took ${observeMs}ms`);

    const heals: number[] = [];
    let tamperedAt = 0;
    let onHealed: (() => void) | undefined;
    const inFlight = new Set<Promise<void>>();
    let current = '';
    const watch = box.provider.watch((signal) => {
      const object = desired.get(keyId(signal.key));
      if (object === undefined) return;
      const heal = observe(box.provider, object).then(async (l) => {
        if (l.manifest?.spec?.content === object.manifest.spec?.content) return;
        await box.provider.apply({ desired: object, live: l, reason: 'update' });
        if (keyId(object.key) !== current) return; // a late event of an earlier tamper
        const resolve = onHealed;
        onHealed = undefined;
        if (resolve === undefined) return; // a second event of the same tamper
        heals.push(performance.now() - tamperedAt);
        resolve();
      });
      inFlight.add(heal);
      void heal.finally(() => inFlight.delete(heal));
    });
    started = performance.now();
    watch.update(files);
    const watchMs = performance.now() - started;
    for (let i = 0; i < 20; i++) {
      const target = files[(i * 37) % files.length];
      assert.ok(target !== undefined);
      const healed = new Promise<void>((resolve) => (onHealed = resolve));
      current = keyId(target.key);
      tamperedAt = performance.now();
      await writeFile(join(box.root, String(target.manifest.spec?.path)), 'tampered');
      await Promise.race([healed, sleep(5000).then(() => assert.fail('not healed within 5 s'))]);
    }
    await watch.close();
    await Promise.all(inFlight);
    const sorted = [...heals].sort((x, y) => x - y);
    const rss = process.memoryUsage().rss / 2 ** 20;
    t.diagnostic(`apply 1,000: ${applyMs.toFixed(0)}ms; observe 1,000: ${observeMs.toFixed(0)}ms; watch.update 1,000: ${watchMs.toFixed(1)}ms; heal p50 ${sorted[10]?.toFixed(1)}ms max ${sorted.at(-1)?.toFixed(1)}ms; rss ${rss.toFixed(0)} MiB`);
    assert.ok(rss < 300, `rss ${rss} MiB`);
  } finally {
    await box.cleanup();
  }
});
