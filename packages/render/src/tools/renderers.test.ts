import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { findTool, installedPath, RENDERERS, toolsDir } from './renderers.ts';

test('findTool: the option, then the variable, then the installed pinned version, then the name on PATH', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-tools-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const env = { TRUEUP_TOOLS_DIR: dir };
  assert.deepEqual(findTool('jsonnet', undefined, env), { bin: 'jsonnet', source: 'path' });
  const installed = installedPath('jsonnet', env);
  assert.equal(installed, join(dir, 'jsonnet', RENDERERS.jsonnet.version, 'jsonnet'));
  await mkdir(dirname(installed), { recursive: true });
  await writeFile(installed, '#!/bin/sh\n');
  await chmod(installed, 0o755);
  assert.deepEqual(findTool('jsonnet', undefined, env), { bin: installed, source: 'installed' });
  assert.deepEqual(findTool('jsonnet', undefined, { ...env, TRUEUP_JSONNET: '/opt/jsonnet' }), { bin: '/opt/jsonnet', source: 'env' });
  assert.deepEqual(findTool('jsonnet', '/usr/bin/jsonnet', { ...env, TRUEUP_JSONNET: '/opt/jsonnet' }), { bin: '/usr/bin/jsonnet', source: 'option' });
});

test('toolsDir: TRUEUP_TOOLS_DIR, else under XDG_DATA_HOME, else under ~/.local/share', () => {
  assert.equal(toolsDir({ TRUEUP_TOOLS_DIR: '/srv/tools' }), '/srv/tools');
  assert.equal(toolsDir({ XDG_DATA_HOME: '/data' }), '/data/trueup/tools');
  assert.match(toolsDir({}), /\/\.local\/share\/trueup\/tools$/);
});

test('the test env builds the same kustomize and helm versions as are pinned here', async () => {
  const script = await readFile(join(import.meta.dirname, '../../../../tools/kube-testenv/build.sh'), 'utf8');
  assert.match(script, new RegExp(`^KUSTOMIZE_VERSION=${RENDERERS.kustomize.version}$`, 'm'));
  assert.match(script, new RegExp(`^HELM_VERSION=${RENDERERS.helm.version}$`, 'm'));
});
