import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { apply, hostObject, observe, sandbox } from './testing.ts';

/** Appends a line to <root>/runs.log each time the command runs. */
const countRun = 'echo run >> "$TRUEUP_ROOT/runs.log"';

async function runs(root: string): Promise<number> {
  const text = await readFile(join(root, 'runs.log'), 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line === 'run').length;
}

test('Command with creates: runs while the path is absent, in sync once it exists', async () => {
  const box = await sandbox();
  try {
    const init = hostObject('Command', 'init', { run: `${countRun}; mkdir -p "$TRUEUP_ROOT/var/lib/app" && touch "$TRUEUP_ROOT/var/lib/app/.initialized"`, creates: '/var/lib/app/.initialized' });
    assert.equal((await observe(box.provider, init)).manifest, undefined);
    const live = await apply(box.provider, init);
    assert.deepEqual(live.manifest, init.manifest, 'in sync: the live manifest equals the desired one');
    assert.equal(live.status?.lastExitCode, 0);
    assert.equal(await runs(box.root), 1);
    await rm(join(box.root, 'var/lib/app/.initialized'));
    assert.equal((await observe(box.provider, init)).manifest, undefined, 'creates removed: runs again');
  } finally {
    await box.cleanup();
  }
});

test('Command with unless: in sync while the guard exits 0', async () => {
  const box = await sandbox();
  try {
    const cmd = hostObject('Command', 'flag', { run: `${countRun}; touch "$TRUEUP_ROOT/flag"`, unless: ['test', '-e', `${box.root}/flag`] });
    assert.equal((await observe(box.provider, cmd)).manifest, undefined);
    await apply(box.provider, cmd);
    assert.ok((await observe(box.provider, cmd)).manifest !== undefined);
    assert.equal(await runs(box.root), 1);
  } finally {
    await box.cleanup();
  }
});

test('Command without guards: runs once per spec, again when the spec changes, in the working directory with env', async () => {
  const box = await sandbox();
  try {
    await apply(box.provider, hostObject('Directory', 'work', { path: '/work' }));
    const first = hostObject('Command', 'migrate', { run: `${countRun}; echo "$GREETING" > out.txt`, env: { GREETING: 'hi' }, workingDir: '/work' });
    await apply(box.provider, first);
    assert.equal(await readFile(join(box.root, 'work/out.txt'), 'utf8'), 'hi\n');
    assert.ok((await observe(box.provider, first)).manifest !== undefined);
    assert.ok((await box.reopen().observe([first.key], new Map([[`${first.key.apiVersion}/Command//migrate`, first]])))[0]?.manifest !== undefined, 'the record survives an agent restart');
    const second = hostObject('Command', 'migrate', { run: `${countRun}; echo "$GREETING" > out.txt`, env: { GREETING: 'hello' }, workingDir: '/work' });
    assert.equal((await observe(box.provider, second)).manifest, undefined);
    await apply(box.provider, second);
    assert.equal(await runs(box.root), 2);
  } finally {
    await box.cleanup();
  }
});

test('Command: a non-zero exit fails with the code and the last lines of stderr, and stays out of sync', async () => {
  const box = await sandbox();
  try {
    const bad = hostObject('Command', 'bad', { run: 'echo first >&2; echo "disk full" >&2; exit 3' });
    await assert.rejects(apply(box.provider, bad), (error) => {
      assert.ok(isTrueupError(error, 'HOST_COMMAND_FAILED'));
      assert.match(error.message, /exited with code 3/);
      assert.match(error.message, /disk full/);
      return true;
    });
    const leaky = hostObject('Command', 'leaky', { run: 'echo "connecting with $DB_PASSWORD failed" >&2; exit 1', env: { DB_PASSWORD: 'Hunter2-db-secret' } });
    await assert.rejects(apply(box.provider, leaky), (error) => {
      assert.ok(isTrueupError(error, 'HOST_COMMAND_FAILED'));
      assert.match(error.message, /connecting with \*\*\* failed/, 'the output stays, the env value is masked');
      assert.doesNotMatch(error.message, /Hunter2/);
      return true;
    });
    const live = await observe(box.provider, bad);
    assert.equal(live.manifest, undefined);
    assert.equal(live.status?.lastExitCode, 3);
    const slow = hostObject('Command', 'slow', { run: ['sleep', '5'], timeout: '200ms' });
    await assert.rejects(apply(box.provider, slow), (error) => isTrueupError(error, 'HOST_COMMAND_FAILED') && /timed out/.test(error.message));
    const missing = hostObject('Command', 'missing', { run: ['/nonexistent/program'] });
    await assert.rejects(apply(box.provider, missing), (error) => isTrueupError(error, 'HOST_COMMAND_FAILED') && /could not start/.test(error.message));
  } finally {
    await box.cleanup();
  }
});

test('Command with onChange: reason trigger runs it even when its guard says in sync; delete forgets it', async () => {
  const box = await sandbox();
  try {
    await writeFile(join(box.root, 'done'), '');
    const reload = hostObject('Command', 'reload', { run: countRun, creates: '/done', onChange: ['File/app-config'] });
    const live = await observe(box.provider, reload);
    assert.ok(live.manifest !== undefined, 'in sync: creates exists');
    await box.provider.apply({ desired: reload, live, reason: 'trigger' });
    assert.equal(await runs(box.root), 1);
    const plain = hostObject('Command', 'plain', { run: countRun });
    const ran = await apply(box.provider, plain);
    await box.provider.delete(ran);
    assert.equal((await box.provider.observe([plain.key], new Map()))[0]?.manifest, undefined);
    assert.equal((await observe(box.provider, plain)).manifest, undefined, 'the record is gone: it would run again');
  } finally {
    await box.cleanup();
  }
});

test('Command: creates and workingDir outside the root are refused', async () => {
  const box = await sandbox();
  try {
    await assert.rejects(apply(box.provider, hostObject('Command', 'x', { run: 'true', creates: '/../x' })), (error) => isTrueupError(error, 'HOST_PATH_ESCAPES_ROOT'));
    await assert.rejects(apply(box.provider, hostObject('Command', 'y', { run: 'true', workingDir: '/nope' })), (error) => isTrueupError(error, 'HOST_PATH_INVALID'));
  } finally {
    await box.cleanup();
  }
});
