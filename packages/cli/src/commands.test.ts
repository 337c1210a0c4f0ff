import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

test('every command in the help loads and has the summary the help shows', async () => {
  const main = join(import.meta.dirname, 'main.js');
  const help = spawnSync(process.execPath, [main, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  const names = [...help.stdout.matchAll(/^ {2}(\w+) {2,}(.+)$/gm)].map(([, name, summary]) => ({ name: name ?? '', summary: summary ?? '' }));
  assert.deepEqual(names.map((n) => n.name), ['agent', 'diff', 'sync', 'status', 'history', 'refresh', 'pause', 'resume', 'adopt', 'run', 'gitops', 'runner', 'runs', 'release', 'promote', 'rollback', 'hub', 'login', 'logout', 'install', 'tools', 'demo']);
  for (const { name, summary } of names) {
    const own = spawnSync(process.execPath, [main, name, '--help'], { encoding: 'utf8' });
    assert.equal(own.status, 0, own.stderr);
    assert.ok(own.stdout.includes(summary), `${name}: ${own.stdout}`);
  }
});
