import assert from 'node:assert/strict';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { isTempName, tempName } from './atomic-write.ts';
import { apply, hostObject, observe, sandbox } from './testing.ts';

/** A leftover as a crash mid-write leaves it (planted: a real kill rarely lands in that window), changed `ageMs` ago. */
async function leftover(path: string, ageMs: number): Promise<void> {
  await writeFile(path, 'partial');
  const at = new Date(Date.now() - ageMs);
  await utimes(path, at, at);
}

test('temp names: exactly the pattern tempName makes, nothing a user would name', () => {
  for (const name of ['app.conf', 'x'.repeat(300)]) assert.ok(isTempName(tempName(name)));
  for (const name of ['notes.trueup-draft.tmp', '.app.conf.trueup-0123456789ab.tmp.bak', 'app.trueup-0123456789ab.tmp', '.app.trueup-0123456789AB.tmp']) assert.equal(isTempName(name), false, name);
});

test('a pass sweeps crash leftovers in the managed folders it reads and prunes; fresh ones, other names and the state in use stay', async () => {
  const box = await sandbox();
  try {
    await mkdir(join(box.root, 'etc/app'), { recursive: true });
    await mkdir(join(box.root, 'etc/gone'), { recursive: true });
    const old = '.conf.trueup-0123456789ab.tmp';
    await leftover(join(box.root, 'etc/app', old), 60_000);
    await leftover(join(box.root, 'etc/app', '.trueup-aaaaaaaaaaaa.tmp'), 60_000);
    await leftover(join(box.root, 'etc/app', '.conf.trueup-bbbbbbbbbbbb.tmp'), -60_000); // changed after this process started: in use
    await leftover(join(box.root, 'etc/app', 'notes.trueup-draft.tmp'), 60_000);
    await leftover(join(box.root, 'etc/gone', '.old.trueup-cccccccccccc.tmp'), 60_000);
    await mkdir(join(box.root, 'etc/app/.dir.trueup-dddddddddddd.tmp'));

    const conf = hostObject('File', 'conf', { path: '/etc/app/conf', content: 'new\n' });
    await observe(box.provider, conf);
    assert.deepEqual((await readdir(join(box.root, 'etc/app'))).sort(), ['.conf.trueup-bbbbbbbbbbbb.tmp', '.dir.trueup-dddddddddddd.tmp', 'notes.trueup-draft.tmp']);

    const gone = hostObject('File', 'old', { path: '/etc/gone/old', content: 'x' });
    const live = await apply(box.provider, gone);
    await box.provider.delete(live);
    assert.deepEqual(await readdir(join(box.root, 'etc/gone')), [], 'pruning sweeps the folder of what it removes');
  } finally {
    await box.cleanup();
  }
});

test('the state directory is swept of interrupted record writes at the first pass', async () => {
  const box = await sandbox();
  try {
    const cmd = hostObject('Command', 'init', { run: 'true' });
    await apply(box.provider, cmd);
    const area = join(box.stateDir, 'host/app/commands');
    await leftover(join(area, 'init.json.0123456789ab.tmp'), 60_000);
    await leftover(join(area, 'init.json.fedcba987654.tmp'), -60_000);
    const agentB = box.reopen();
    await observe(agentB, cmd);
    assert.deepEqual((await readdir(area)).sort(), ['init.json', 'init.json.fedcba987654.tmp']);
  } finally {
    await box.cleanup();
  }
});
