/**
 * `trueup tools`: install builds the pinned jsonnet from its Go module into Trueup's folder,
 * list then finds it there; without Go, install prints the exact commands and exits 1.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RENDERERS } from '@trueup/render';

const MAIN = join(import.meta.dirname, 'main.js');

function trueup(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [MAIN, 'tools', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
}

function hasGo(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('tools install builds the pinned jsonnet into the tools folder, and tools list finds it there', { skip: !hasGo() && process.env['CI'] !== 'true' ? 'Go is not installed' : false }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-tools-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const env = { TRUEUP_TOOLS_DIR: dir, TRUEUP_JSONNET: '' };
  const before = JSON.parse(trueup(['list', '-o', 'json'], env).stdout) as { tools: Array<{ tool: string; source: string }> };
  assert.equal(before.tools.find((row) => row.tool === 'jsonnet')?.source, existsSync('/usr/bin/jsonnet') || existsSync('/usr/local/bin/jsonnet') ? 'PATH' : 'not found');

  const installed = trueup(['install', 'jsonnet'], env);
  assert.equal(installed.status, 0, installed.stderr);
  const bin = join(dir, 'jsonnet', RENDERERS.jsonnet.version, 'jsonnet');
  assert.match(installed.stdout, new RegExp(`jsonnet ${RENDERERS.jsonnet.version}: installed ${bin}`));
  const listed = JSON.parse(trueup(['list', '-o', 'json'], env).stdout) as { toolsDir: string; tools: Array<{ tool: string; pinned: string; found: string; source: string; path: string }> };
  assert.equal(listed.toolsDir, dir);
  assert.deepEqual(listed.tools.find((row) => row.tool === 'jsonnet'), { tool: 'jsonnet', pinned: RENDERERS.jsonnet.version, found: RENDERERS.jsonnet.version, source: 'trueup tools', path: bin });
  // A second install keeps what is there.
  const again = trueup(['install', 'jsonnet'], env);
  assert.match(again.stdout, /already installed/);
});

test('tools install without Go prints the exact go install commands and exits 1', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-tools-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const run = trueup(['install'], { TRUEUP_TOOLS_DIR: dir, PATH: dir });
  assert.equal(run.status, 1);
  for (const renderer of Object.values(RENDERERS)) {
    assert.ok(run.stderr.includes(`GOBIN=${join(dir, renderer.name, renderer.version)} CGO_ENABLED=0 go install -trimpath -ldflags`), run.stderr);
    assert.ok(run.stderr.includes(` ${renderer.module}@${renderer.version}\n`), run.stderr);
  }
  assert.equal(existsSync(join(dir, 'jsonnet')), false);
});

test('tools rejects an unknown tool or action', () => {
  assert.match(trueup(['install', 'kubectl'], {}).stderr, /unknown tool "kubectl": the renderers are kustomize, helm, jsonnet, sops/);
  assert.match(trueup(['remove'], {}).stderr, /unknown tools action "remove"/);
});
