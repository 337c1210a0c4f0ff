import assert from 'node:assert/strict';
import { lstat, mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { apply, hostObject, observe, sandbox } from './testing.ts';

test('Directory: create with mode and owner, update the mode, observe both', async () => {
  const box = await sandbox();
  try {
    const data = hostObject('Directory', 'data', { path: '/var/lib/app', mode: '0750', owner: 'nobody', group: 0 });
    const live = await apply(box.provider, data);
    const stats = await stat(join(box.root, 'var/lib/app'));
    assert.ok(stats.isDirectory());
    assert.equal(stats.mode & 0o7777, 0o750);
    assert.equal(stats.uid, 65534);
    assert.deepEqual(live.manifest?.spec, { path: '/var/lib/app', mode: '0750', owner: 'nobody', group: 0 });
    const updated = await apply(box.provider, hostObject('Directory', 'data', { path: '/var/lib/app', mode: '0700' }));
    assert.equal(updated.manifest?.spec?.mode, '0700');
    assert.equal((await stat(join(box.root, 'var/lib/app'))).mode & 0o7777, 0o700);
  } finally {
    await box.cleanup();
  }
});

test('Directory: a missing mode defaults to 0755; a symlink at the path is replaced by a directory', async () => {
  const box = await sandbox();
  try {
    await mkdir(join(box.root, 'elsewhere'));
    await symlink(join(box.root, 'elsewhere'), join(box.root, 'app'));
    const app = hostObject('Directory', 'app', { path: '/app' });
    assert.equal((await observe(box.provider, app)).manifest?.spec?.type, 'symlink');
    await apply(box.provider, app);
    const stats = await lstat(join(box.root, 'app'));
    assert.ok(stats.isDirectory());
    assert.equal(stats.mode & 0o7777, 0o755);
  } finally {
    await box.cleanup();
  }
});

test('Directory: delete removes an empty directory and leaves a non-empty one with its content', async () => {
  const box = await sandbox();
  try {
    const empty = await apply(box.provider, hostObject('Directory', 'empty', { path: '/empty' }));
    await box.provider.delete(empty);
    await assert.rejects(lstat(join(box.root, 'empty')), { code: 'ENOENT' });
    const used = await apply(box.provider, hostObject('Directory', 'used', { path: '/used' }));
    await writeFile(join(box.root, 'used/keep'), 'unmanaged data');
    await box.provider.delete(used);
    assert.ok((await lstat(join(box.root, 'used/keep'))).isFile());
    const [after] = await box.provider.observe([used.key], new Map());
    assert.equal(after?.manifest, undefined, 'no longer managed');
  } finally {
    await box.cleanup();
  }
});
