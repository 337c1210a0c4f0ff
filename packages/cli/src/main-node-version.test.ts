/**
 * The entry point under a Node.js older than the project's: `node_modules/.bin/trueup` run by the
 * system's Node.js runs itself with the pinned Node.js, and a copy of the entry point with no
 * pinned Node.js above it says in one line what to do.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '../../..');

/** A Node.js on the system older than 24 (the machine's own), if there is one. */
function olderNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    try {
      const version = execFileSync(candidate, ['--version'], { encoding: 'utf8' }).trim();
      if (Number(version.slice(1).split('.')[0]) < 24) return candidate;
    } catch {
      // not there
    }
  }
  return undefined;
}

const old = olderNode();
const skip = old === undefined ? 'no Node.js older than 24 on this machine' : false;

test('node_modules/.bin/trueup under an older Node.js runs with the pinned one', { skip }, () => {
  const run = spawnSync(old!, [join(ROOT, 'node_modules/.bin/trueup'), '--help'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /Usage: trueup COMMAND/);
  assert.equal(run.stderr, '');
});

test('with no pinned Node.js to run, one line says what to do and the exit code is 1', { skip }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-main-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await copyFile(join(import.meta.dirname, 'main.js'), join(dir, 'main.js'));
  const run = spawnSync(old!, [join(dir, 'main.js'), 'status'], { encoding: 'utf8' });
  assert.equal(run.status, 1);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /^trueup needs Node\.js 24 or newer, but \S+ is v\d+\.\d+\.\d+: run it as `npx trueup` in the project that installed it, or install Node\.js 24\n$/);
});
