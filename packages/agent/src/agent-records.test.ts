/**
 * The agent's records of what exists (path records, inventory) against the host: an object is
 * pruned when Git drops it however it came to exist, and nothing that exists reads Missing.
 */
import assert from 'node:assert/strict';
import { lstat, mkdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { keyId } from '@trueup/api';
import { agentFixture, hostManifest } from '@trueup/testkit';
import { runOnce } from './run-once.ts';
import { StateStore } from './state-store.ts';

const motd = hostManifest('File', 'motd', { path: '/etc/motd', content: 'hello\n' });
const keep = hostManifest('File', 'keep', { path: '/etc/keep', content: 'keep\n' });

async function fixture(t: { after: (fn: () => Promise<void>) => void }, files: Record<string, string>) {
  const f = await agentFixture({ files });
  t.after(() => f.cleanup());
  const sync = async () => {
    const [status] = await runOnce({ stateDir: f.stateDir, paths: [f.appFile], mode: 'apply' });
    assert.ok(status !== undefined);
    return status;
  };
  const inventory = () => {
    const store = new StateStore(f.stateDir, { readOnly: true });
    try {
      return store.inventory('test').map((key) => `${key.kind}/${key.name}`);
    } finally {
      store.close();
    }
  };
  const exists = (path: string) => lstat(join(f.root, path)).then(() => true, () => false);
  return { f, sync, inventory, exists };
}

test('a file already on the host with the right content is adopted, and pruned when Git drops it', async (t) => {
  const { f, sync, exists } = await fixture(t, { 'app/a.yaml': motd + keep });
  await mkdir(join(f.root, 'etc'), { recursive: true });
  await writeFile(join(f.root, 'etc/motd'), 'hello\n');
  const first = await sync();
  assert.equal(`${first.sync}/${first.health.status}`, 'Synced/Healthy');
  await f.commit({ 'app/a.yaml': keep });
  const second = await sync();
  assert.equal(`${second.sync}/${second.health.status}`, 'Synced/Healthy', JSON.stringify(second.resources));
  assert.equal(await exists('etc/motd'), false, 'the adopted file is pruned');
  assert.deepEqual(second.resources.map((r) => r.name), ['keep']);
});

test('a file deleted by hand and then in Git leaves the inventory: never Missing', async (t) => {
  const { f, sync, inventory } = await fixture(t, { 'app/a.yaml': motd + keep });
  await sync();
  await rm(join(f.root, 'etc/motd'));
  await f.commit({ 'app/a.yaml': keep });
  const status = await sync();
  assert.equal(`${status.sync}/${status.health.status}`, 'Synced/Healthy', JSON.stringify(status.resources));
  assert.deepEqual(inventory(), ['File/keep']);
  const again = await sync();
  assert.equal(`${again.sync}/${again.health.status}`, 'Synced/Healthy');
});

test('an object whose apply failed does not enter the inventory; removed from Git, nothing stays Missing', async (t) => {
  const { f, sync, inventory } = await fixture(t, { 'app/a.yaml': keep });
  await sync();
  await f.commit({ 'app/a.yaml': keep + hostManifest('File', 'dotdot', { path: '/../../outside', content: 'x' }) });
  const failed = await sync();
  assert.match(failed.error?.message ?? '', /HOST_PATH_ESCAPES_ROOT/);
  await f.commit({ 'app/a.yaml': keep });
  const status = await sync();
  assert.equal(`${status.sync}/${status.health.status}`, 'Synced/Healthy', JSON.stringify(status.resources));
  assert.deepEqual(inventory(), ['File/keep']);
});

test('changing spec.path under the same name prunes the old path; Directories and Symlinks too', async (t) => {
  const dir = (path: string) => hostManifest('Directory', 'conf', { path });
  const link = (path: string) => hostManifest('Symlink', 'current', { path, target: '/etc/keep' });
  const { f, sync, exists } = await fixture(t, { 'app/a.yaml': keep + dir('/etc/conf.d') + link('/etc/current') });
  await sync();
  await f.commit({ 'app/a.yaml': keep.replace('/etc/keep', '/etc/keep2') + dir('/etc/conf2.d') + link('/etc/current2') });
  const status = await sync();
  assert.equal(`${status.sync}/${status.health.status}`, 'Synced/Healthy', JSON.stringify(status.resources));
  assert.equal(await exists('etc/keep'), false, 'the old file is pruned');
  assert.equal(await readFile(join(f.root, 'etc/keep2'), 'utf8'), 'keep\n');
  assert.equal(await exists('etc/current'), false, 'the old symlink is pruned');
  await assert.rejects(readFile(join(f.root, 'etc/conf.d')), { code: 'ENOENT' }, 'the old directory is pruned');
});

test('a moved object whose record outlived it (deleted by hand, then dropped from Git) never removes what now sits at its old path', async (t) => {
  const { f, sync } = await fixture(t, { 'app/a.yaml': motd + keep });
  await sync();
  await rm(join(f.root, 'etc/motd'));
  await f.commit({ 'app/a.yaml': keep });
  await sync();
  await writeFile(join(f.root, 'etc/motd'), 'mine now\n');
  await f.commit({ 'app/a.yaml': keep + motd.replace('/etc/motd', '/etc/motd2') });
  const status = await sync();
  assert.equal(`${status.sync}/${status.health.status}`, 'Synced/Healthy', JSON.stringify(status.resources));
  assert.equal(await readFile(join(f.root, 'etc/motd'), 'utf8'), 'mine now\n', 'someone else\'s file stays');
  assert.equal(await readFile(join(f.root, 'etc/motd2'), 'utf8'), 'hello\n');
});

test('a Directory dropped from Git goes though a write killed inside it left only its temp file there', async (t) => {
  const dir = hostManifest('Directory', 'conf', { path: '/etc/conf.d' });
  const inside = hostManifest('File', 'inside', { path: '/etc/conf.d/a.conf', content: 'a\n' });
  const { f, sync, exists } = await fixture(t, { 'app/a.yaml': keep + dir });
  await sync();
  // A pass killed while writing a.conf: its temp file, from before this process started, and no a.conf.
  const temp = join(f.root, 'etc/conf.d/.a.conf.trueup-0123456789ab.tmp');
  await writeFile(temp, 'a\n');
  await utimes(temp, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
  await f.commit({ 'app/a.yaml': keep + dir + inside });
  await f.commit({ 'app/a.yaml': keep }); // the next commit drops both before the agent is back
  const status = await sync();
  assert.equal(`${status.sync}/${status.health.status}`, 'Synced/Healthy', JSON.stringify(status.resources));
  assert.equal(await exists('etc/conf.d'), false, 'the directory is pruned, its crash temp file with it');
});

test('every desired path is recorded at each pass, and before its entry is written', async (t) => {
  const { f, sync } = await fixture(t, { 'app/a.yaml': keep });
  await sync();
  const records = join(f.stateDir, 'apps/test/host/test/objects');
  const file = join(records, `${encodeURIComponent(keyId({ apiVersion: 'host.trueup.dev/v1alpha1', kind: 'File', name: 'keep' }))}.json`);
  assert.equal((JSON.parse(await readFile(file, 'utf8')) as { path: string }).path, '/etc/keep');
  await rm(file);
  await sync(); // nothing to write: the record comes back all the same
  assert.equal((JSON.parse(await readFile(file, 'utf8')) as { path: string }).path, '/etc/keep');
});
