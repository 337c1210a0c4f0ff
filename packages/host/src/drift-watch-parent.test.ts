import assert from 'node:assert/strict';
import { mkdir, rename, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { keyId, type DesiredObject, type DriftSignal } from '@trueup/api';
import { apply, hostObject, sandbox, sleep, waitFor, type Sandbox } from './testing.ts';

async function watched(body: (box: Sandbox, signalsFor: (object: DesiredObject) => DriftSignal[], file: DesiredObject) => Promise<void>): Promise<void> {
  const box = await sandbox();
  const signals: DriftSignal[] = [];
  try {
    const file = hostObject('File', 'conf', { path: '/etc/app/conf', content: 'good\n' });
    const other = hostObject('File', 'other', { path: '/etc/app/other', content: 'good\n' });
    for (const object of [file, other]) await apply(box.provider, object);
    const watch = box.provider.watch((signal) => signals.push(signal));
    watch.update([file, other]);
    try {
      await body(box, (object) => signals.splice(0).filter((s) => keyId(s.key) === keyId(object.key)), file);
    } finally {
      await watch.close();
    }
  } finally {
    await box.cleanup();
  }
}

test('watch: a parent directory renamed away and recreated signals every target in it at once, and the new one is watched', async () => {
  await watched(async (box, signalsFor, file) => {
    await rename(join(box.root, 'etc/app'), join(box.root, 'etc/app.old'));
    await mkdir(join(box.root, 'etc/app'));
    await waitFor(() => signalsFor(file)[0], 2000, 'a signal for the file the rename took away');
    await sleep(700);
    signalsFor(file);
    await writeFile(join(box.root, 'etc/app/conf'), 'planted\n');
    await waitFor(() => signalsFor(file)[0], 2000, 'a signal for a write in the new directory');
  });
});

test('watch: a parent swapped for a symlink to an outside directory is not watched through; once restored, drift in it signals', async () => {
  await watched(async (box, signalsFor, file) => {
    await rename(join(box.root, 'etc/app'), join(box.root, 'etc/app.real'));
    await symlink(box.outside, join(box.root, 'etc/app'));
    await waitFor(() => signalsFor(file)[0], 2000, 'a signal for the file the swap took away');
    await sleep(700); // long enough for the watch to look for the directory again
    signalsFor(file);
    await writeFile(join(box.outside, 'conf'), 'outside\n');
    await sleep(300);
    assert.deepEqual(signalsFor(file), [], 'the outside directory is not watched through the symlink');
    await unlink(join(box.root, 'etc/app'));
    await rename(join(box.root, 'etc/app.real'), join(box.root, 'etc/app'));
    await sleep(700);
    signalsFor(file);
    await writeFile(join(box.root, 'etc/app/conf'), 'tamper2\n');
    await waitFor(() => signalsFor(file)[0], 2000, 'a signal for a write in the restored directory');
  });
});

test('watch: a parent that is a symlink to a directory inside the root is watched where it leads', async () => {
  const box = await sandbox();
  const signals: DriftSignal[] = [];
  try {
    await mkdir(join(box.root, 'srv/app'), { recursive: true });
    await mkdir(join(box.root, 'etc'));
    await symlink('../srv/app', join(box.root, 'etc/app'));
    const file = hostObject('File', 'conf', { path: '/etc/app/conf', content: 'good\n' });
    await apply(box.provider, file);
    const watch = box.provider.watch((signal) => signals.push(signal));
    watch.update([file]);
    try {
      await sleep(100);
      await writeFile(join(box.root, 'srv/app/conf'), 'tampered\n');
      await waitFor(() => signals.find((s) => keyId(s.key) === keyId(file.key)), 2000, 'a signal for a write behind the symlink');
    } finally {
      await watch.close();
    }
  } finally {
    await box.cleanup();
  }
});

test('watch: a grandparent renamed away and recreated (no event reaches the watch) is noticed within seconds', async () => {
  await watched(async (box, signalsFor, file) => {
    await rename(join(box.root, 'etc'), join(box.root, 'etc.old'));
    await mkdir(join(box.root, 'etc/app'), { recursive: true });
    await writeFile(join(box.root, 'etc/app/conf'), 'planted\n');
    await waitFor(() => signalsFor(file)[0], 5000, 'a signal for the file under the new grandparent');
    await sleep(100);
    signalsFor(file);
    await writeFile(join(box.root, 'etc/app/conf'), 'tampered\n');
    await waitFor(() => signalsFor(file)[0], 2000, 'a signal for a write in the new directory');
  });
});
