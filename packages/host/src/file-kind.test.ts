import assert from 'node:assert/strict';
import { lstat, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { apply, hostObject, observe, sandbox } from './testing.ts';

test('File: create writes content and mode under the root, with parent directories', async () => {
  const box = await sandbox();
  try {
    const motd = hostObject('File', 'motd', { path: '/etc/app/motd', content: 'hello\n', mode: '0640' });
    assert.equal((await observe(box.provider, motd)).manifest, undefined);
    const live = await apply(box.provider, motd);
    assert.equal(await readFile(join(box.root, 'etc/app/motd'), 'utf8'), 'hello\n');
    assert.equal((await stat(join(box.root, 'etc/app/motd'))).mode & 0o7777, 0o640);
    assert.equal((await stat(join(box.root, 'etc/app'))).mode & 0o7777, 0o755);
    assert.deepEqual(live.manifest?.spec, { path: '/etc/app/motd', content: 'hello\n', mode: '0640', owner: 'root', group: 'root' });
  } finally {
    await box.cleanup();
  }
});

test('File: update replaces atomically (new inode, no temp files left) and delete removes it', async () => {
  const box = await sandbox();
  try {
    const file = join(box.root, 'etc/motd');
    await apply(box.provider, hostObject('File', 'motd', { path: '/etc/motd', content: 'one' }));
    const before = await stat(file);
    const changed = hostObject('File', 'motd', { path: '/etc/motd', content: 'two' });
    const live = await apply(box.provider, changed);
    assert.equal(live.manifest?.spec?.content, 'two');
    assert.equal(await readFile(file, 'utf8'), 'two');
    assert.notEqual((await stat(file)).ino, before.ino, 'replaced by rename, not rewritten in place');
    assert.deepEqual(await readdir(join(box.root, 'etc')), ['motd']);
    await box.provider.delete(live);
    await assert.rejects(lstat(file), { code: 'ENOENT' });
    assert.equal((await observe(box.provider, changed)).manifest, undefined);
    await box.provider.delete(live); // already gone: no-op
  } finally {
    await box.cleanup();
  }
});

test('File: a mode-only change is made in place; readers never see a partial file', async () => {
  const box = await sandbox();
  try {
    const file = join(box.root, 'data.bin');
    const big = 'x'.repeat(4 * 1024 * 1024);
    await apply(box.provider, hostObject('File', 'data', { path: '/data.bin', content: big }));
    const inode = (await stat(file)).ino;
    await apply(box.provider, hostObject('File', 'data', { path: '/data.bin', content: big, mode: '0600' }));
    assert.equal((await stat(file)).ino, inode);
    assert.equal((await stat(file)).mode & 0o7777, 0o600);
    const other = 'y'.repeat(4 * 1024 * 1024);
    let reading = true;
    const reader = (async () => {
      let reads = 0;
      while (reading) {
        const text = await readFile(file, 'utf8');
        assert.ok(text === big || text === other, `partial content of ${text.length} bytes`);
        reads++;
      }
      return reads;
    })();
    await apply(box.provider, hostObject('File', 'data', { path: '/data.bin', content: other }));
    await apply(box.provider, hostObject('File', 'data', { path: '/data.bin', content: big }));
    reading = false;
    assert.ok((await reader) > 0);
  } finally {
    await box.cleanup();
  }
});

test('File: owner and group by name or id; an unknown user is a clear error', async () => {
  const box = await sandbox();
  try {
    const byName = await apply(box.provider, hostObject('File', 'a', { path: '/a', content: 'a', owner: 'nobody', group: 'nogroup' }));
    const stats = await stat(join(box.root, 'a'));
    assert.deepEqual([stats.uid, stats.gid], [65534, 65534]);
    assert.equal(byName.manifest?.spec?.owner, 'nobody');
    const byId = await apply(box.provider, hostObject('File', 'b', { path: '/b', content: 'b', owner: 1, group: 2 }));
    assert.deepEqual([byId.manifest?.spec?.owner, byId.manifest?.spec?.group], [1, 2]);
    const unknown = hostObject('File', 'c', { path: '/c', content: 'c', owner: 'no-such-user-here' });
    await assert.rejects(apply(box.provider, unknown), (error) => isTrueupError(error, 'HOST_OWNER_UNKNOWN') && /no-such-user-here/.test(error.message));
    await assert.rejects(lstat(join(box.root, 'c')), { code: 'ENOENT' });
  } finally {
    await box.cleanup();
  }
});

test('File: binary content in base64 is written as bytes and observed in base64', async () => {
  const box = await sandbox();
  try {
    const bytes = Buffer.from([0, 255, 254, 10, 128]);
    const live = await apply(box.provider, hostObject('File', 'bin', { path: '/bin.dat', content: bytes.toString('base64'), encoding: 'base64' }));
    assert.deepEqual(await readFile(join(box.root, 'bin.dat')), bytes);
    assert.equal(live.manifest?.spec?.content, bytes.toString('base64'));
    assert.equal(live.manifest?.spec?.encoding, 'base64');
  } finally {
    await box.cleanup();
  }
});

test('File: a directory or symlink at the path is reported and replaced; a non-empty directory is refused', async () => {
  const box = await sandbox();
  try {
    await mkdir(join(box.root, 'empty'));
    const onDir = hostObject('File', 'empty', { path: '/empty', content: 'x' });
    assert.equal((await observe(box.provider, onDir)).manifest?.spec?.type, 'directory');
    await apply(box.provider, onDir);
    assert.equal(await readFile(join(box.root, 'empty'), 'utf8'), 'x');

    await writeFile(join(box.root, 'elsewhere'), 'target');
    await symlink(join(box.root, 'elsewhere'), join(box.root, 'link'));
    const onLink = hostObject('File', 'link', { path: '/link', content: 'y' });
    assert.equal((await observe(box.provider, onLink)).manifest?.spec?.type, 'symlink');
    await apply(box.provider, onLink);
    assert.ok((await lstat(join(box.root, 'link'))).isFile());
    assert.equal(await readFile(join(box.root, 'elsewhere'), 'utf8'), 'target', 'the link target is untouched');

    await mkdir(join(box.root, 'full'));
    await writeFile(join(box.root, 'full/keep'), 'data');
    await assert.rejects(apply(box.provider, hostObject('File', 'full', { path: '/full', content: 'z' })), (error) => isTrueupError(error, 'HOST_PATH_OCCUPIED'));
    assert.equal(await readFile(join(box.root, 'full/keep'), 'utf8'), 'data');
  } finally {
    await box.cleanup();
  }
});

test('File: an object known only from the inventory is observed at its applied path and pruned', async () => {
  const box = await sandbox();
  try {
    const desired = hostObject('File', 'old', { path: '/srv/old.conf', content: 'old' });
    await apply(box.provider, desired);
    const fresh = box.reopen();
    const [live] = await fresh.observe([desired.key], new Map());
    assert.equal(live?.manifest?.spec?.path, '/srv/old.conf');
    assert.ok(live !== undefined);
    await fresh.delete(live);
    await assert.rejects(lstat(join(box.root, 'srv/old.conf')), { code: 'ENOENT' });
    const [after] = await fresh.observe([desired.key], new Map());
    assert.equal(after?.manifest, undefined);
  } finally {
    await box.cleanup();
  }
});
