import assert from 'node:assert/strict';
import { lstat, mkdir, readdir, readFile, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { RootFs } from './root-fs.ts';
import { pathParts } from './root-path.ts';
import { apply, hostObject, observe, sandbox } from './testing.ts';

const escapes = (error: unknown): boolean => isTrueupError(error, 'HOST_PATH_ESCAPES_ROOT');

test('paths: ".." is resolved lexically and may not climb above the root', () => {
  assert.deepEqual(pathParts('/etc/../motd'), ['motd']);
  assert.deepEqual(pathParts('/etc//./app/'), ['etc', 'app']);
  assert.throws(() => pathParts('/../etc/passwd'), escapes);
  assert.throws(() => pathParts('/etc/../../x'), escapes);
  assert.throws(() => pathParts('etc/motd'), (error) => isTrueupError(error, 'HOST_PATH_INVALID'));
});

test('File: a path climbing above the root is refused and nothing is written outside', async () => {
  const box = await sandbox();
  try {
    const file = hostObject('File', 'evil', { path: '/../outside/pwned', content: 'x' });
    await assert.rejects(apply(box.provider, file), escapes);
    assert.deepEqual(await readdir(box.outside), []);
  } finally {
    await box.cleanup();
  }
});

test('File: a parent directory swapped for a symlink out of the root is refused, nothing lands outside', async () => {
  const box = await sandbox();
  try {
    const conf = hostObject('File', 'conf', { path: '/etc/app/app.conf', content: 'safe' });
    await apply(box.provider, conf);
    await writeFile(join(box.outside, 'app.conf'), 'original');
    // The attack: the managed file's parent becomes a symlink to the stand-in for /etc.
    await rename(join(box.root, 'etc/app'), join(box.root, 'etc/app.old'));
    await symlink(box.outside, join(box.root, 'etc/app'));
    await assert.rejects(apply(box.provider, hostObject('File', 'conf', { path: '/etc/app/app.conf', content: 'changed' })), escapes);
    assert.equal(await readFile(join(box.outside, 'app.conf'), 'utf8'), 'original');
    assert.deepEqual(await readdir(box.outside), ['app.conf'], 'no temp file left outside either');
    // Observe does not read through it: the object reads as absent with the reason.
    const live = await observe(box.provider, conf);
    assert.equal(live.manifest, undefined);
    assert.equal((live.status?.error as { code?: string } | undefined)?.code, 'HOST_PATH_ESCAPES_ROOT');
    // Delete refuses too, and leaves the outside file alone.
    await assert.rejects(box.provider.delete({ key: conf.key, manifest: { ...conf.manifest } }), escapes);
    assert.equal(await readFile(join(box.outside, 'app.conf'), 'utf8'), 'original');
  } finally {
    await box.cleanup();
  }
});

test('File: a symlink inside the root that stays inside is followed', async () => {
  const box = await sandbox();
  try {
    await mkdir(join(box.root, 'data/real'), { recursive: true });
    await symlink('data/real', join(box.root, 'etc'));
    await symlink(join(box.root, 'data'), join(box.root, 'abs'));
    await apply(box.provider, hostObject('File', 'a', { path: '/etc/a.conf', content: 'a' }));
    await apply(box.provider, hostObject('File', 'b', { path: '/abs/real/b.conf', content: 'b' }));
    assert.deepEqual((await readdir(join(box.root, 'data/real'))).sort(), ['a.conf', 'b.conf']);
    await symlink('../..', join(box.root, 'data/up'));
    await assert.rejects(apply(box.provider, hostObject('File', 'c', { path: '/data/up/c', content: 'c' })), escapes);
  } finally {
    await box.cleanup();
  }
});

test('RootFs: a write through a directory opened before the swap still cannot land outside', async () => {
  const box = await sandbox();
  try {
    const fs = new RootFs(box.root);
    const dir = await fs.ensureDir(['etc', 'app']);
    try {
      await rm(join(box.root, 'etc/app'), { recursive: true });
      await symlink(box.outside, join(box.root, 'etc/app'));
      await assert.rejects(fs.verify(dir), (error) => isTrueupError(error, 'HOST_APPLY_FAILED'));
      await writeFile(dir.entry('x'), 'into the removed directory').catch(() => undefined);
      assert.deepEqual(await readdir(box.outside), []);
    } finally {
      await dir.close();
    }
  } finally {
    await box.cleanup();
  }
});

test('Symlink: an absolute target is taken under the root and observed as written', async () => {
  const box = await sandbox();
  try {
    const link = hostObject('Symlink', 'current', { path: '/opt/app/current', target: '/opt/app/releases/v2' });
    const live = await apply(box.provider, link);
    assert.equal(await readlink(join(box.root, 'opt/app/current')), join(box.root, 'opt/app/releases/v2'));
    assert.equal(live.manifest?.spec?.target, '/opt/app/releases/v2');
  } finally {
    await box.cleanup();
  }
});

test('Symlink: a relative target climbing out of the root is refused', async () => {
  const box = await sandbox();
  try {
    await assert.rejects(apply(box.provider, hostObject('Symlink', 'out', { path: '/etc/out', target: '../../outside' })), escapes);
    await assert.rejects(lstat(join(box.root, 'etc/out')), { code: 'ENOENT' });
  } finally {
    await box.cleanup();
  }
});

test('Symlink: a target whose path on disk leads outside through an existing symlink is refused', async () => {
  const box = await sandbox();
  try {
    await symlink(box.outside, join(box.root, 'shared'));
    await assert.rejects(apply(box.provider, hostObject('Symlink', 'via', { path: '/via', target: '/shared/secret' })), escapes);
    await assert.rejects(lstat(join(box.root, 'via')), { code: 'ENOENT' });
  } finally {
    await box.cleanup();
  }
});
