import assert from 'node:assert/strict';
import { lstat, mkdir, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { apply, hostObject, observe, sandbox } from './testing.ts';

test('Symlink: create with a relative target, update it, delete it', async () => {
  const box = await sandbox();
  try {
    await mkdir(join(box.root, 'opt/app/releases/v1'), { recursive: true });
    const link = hostObject('Symlink', 'current', { path: '/opt/app/current', target: 'releases/v1' });
    const live = await apply(box.provider, link);
    assert.equal(await readlink(join(box.root, 'opt/app/current')), 'releases/v1');
    assert.deepEqual(live.manifest?.spec, { path: '/opt/app/current', target: 'releases/v1' });
    const changed = await apply(box.provider, hostObject('Symlink', 'current', { path: '/opt/app/current', target: 'releases/v2' }));
    assert.equal(changed.manifest?.spec?.target, 'releases/v2');
    assert.equal(await readlink(join(box.root, 'opt/app/current')), 'releases/v2');
    await box.provider.delete(changed);
    await assert.rejects(lstat(join(box.root, 'opt/app/current')), { code: 'ENOENT' });
    assert.equal((await observe(box.provider, link)).manifest, undefined);
  } finally {
    await box.cleanup();
  }
});

test('Symlink: a regular file at the path is reported, then replaced by the link', async () => {
  const box = await sandbox();
  try {
    await writeFile(join(box.root, 'config'), 'plain file');
    const link = hostObject('Symlink', 'config', { path: '/config', target: '/etc/config' });
    assert.deepEqual((await observe(box.provider, link)).manifest?.spec, { path: '/config', type: 'file' });
    const live = await apply(box.provider, link);
    assert.equal(live.manifest?.spec?.target, '/etc/config');
    assert.ok((await lstat(join(box.root, 'config'))).isSymbolicLink());
  } finally {
    await box.cleanup();
  }
});
