import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { RootFs } from './root-fs.ts';
import { sandbox } from './testing.ts';

/** Swaps `etc/app` between a directory and a symlink (to a directory inside the root) as fast as it can. */
const SWAPPER = `
const { renameSync, symlinkSync, unlinkSync } = require('node:fs');
const [etc] = process.argv.slice(1);
process.stdout.write('ready\\n');
for (;;) {
  renameSync(etc + '/app', etc + '/app-aside');
  symlinkSync('app-real', etc + '/app');
  unlinkSync(etc + '/app');
  renameSync(etc + '/app-aside', etc + '/app');
}`;

test('RootFs: a parent swapped between a symlink and a directory gives a host error, never a raw errno', async () => {
  const box = await sandbox();
  const etc = join(box.root, 'etc');
  await mkdir(join(etc, 'app'), { recursive: true });
  await mkdir(join(etc, 'app-real'));
  const swapper = spawn(process.execPath, ['-e', SWAPPER, etc], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    await new Promise((resolve) => swapper.stdout.once('data', resolve));
    const fs = new RootFs(box.root);
    const raw: string[] = [];
    for (let i = 0; i < 3000 && raw.length === 0; i++) {
      try {
        await (await fs.openDir(['etc', 'app'], 'open'))?.close();
      } catch (error) {
        if (!isTrueupError(error) || !error.code.startsWith('HOST_')) raw.push(String(error));
      }
    }
    assert.deepEqual(raw, []);
  } finally {
    swapper.kill('SIGKILL');
    await box.cleanup();
  }
});
