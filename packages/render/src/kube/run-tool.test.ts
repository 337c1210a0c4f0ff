/**
 * runTool's failure paths. The tools here are stand-ins, named as such: `sh` and `sleep` play a
 * kustomize that fails, hangs or floods its output, which the real binaries cannot be made to do
 * on demand.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { captureError } from '../test-helpers.ts';
import { runTool, toolBin, toolEnv, type ToolRun } from './run-tool.ts';

const env = toolEnv(tmpdir());

function fakeKustomize(script: string, extra: Partial<ToolRun> = {}): ToolRun {
  return { tool: 'kustomize', bin: 'sh', args: ['-c', script], env, renderPath: 'apps/web', ...extra };
}

test('runTool: stdout of a successful run', async () => {
  assert.equal(await runTool(fakeKustomize('echo "kind: A"; echo warning >&2')), 'kind: A\n');
});

test('runTool: a failure carries stderr, credentials and local paths removed, and the render path', async () => {
  const script = 'echo "Error: cannot fetch https://bot:s3cret@git.example.com/ops.git?ref=v1 for /srv/checkout/apps/web/kustomization.yaml" >&2; exit 1';
  const error = await captureError(runTool(fakeKustomize(script, { rewrites: [{ from: '/srv/checkout/', to: '' }] })));
  assert.deepEqual(error, {
    code: 'RENDER_TOOL_FAILED', file: 'apps/web',
    message: 'kustomize failed rendering apps/web: Error: cannot fetch https://git.example.com/ops.git?ref=v1 for apps/web/kustomization.yaml',
  });
});

test('runTool: a silent failure says how the tool ended', async () => {
  const error = await captureError(runTool(fakeKustomize('exit 3')));
  assert.equal(error.code, 'RENDER_TOOL_FAILED');
  assert.match(error.message, /exited with code 3 rendering apps\/web/);
});

test('runTool: a long stderr is cut in the middle', async () => {
  const error = await captureError(runTool(fakeKustomize('echo first-line >&2; for i in $(seq 1 3000); do echo "noise $i" >&2; done; echo last-line >&2; exit 1')));
  assert.ok(error.message.length < 2200, `${error.message.length} characters`);
  assert.match(error.message, /first-line[\s\S]*\n…\n[\s\S]*last-line$/);
});

test('runTool: a missing binary says which, and how to install it', async () => {
  const onPath = await captureError(runTool({ tool: 'helm', bin: 'trueup-no-such-helm', args: ['template'], env, renderPath: 'charts/web' }));
  assert.equal(onPath.code, 'RENDER_TOOL_MISSING');
  assert.match(onPath.message, /helm is needed to render charts\/web but "trueup-no-such-helm" on PATH was not found: run `trueup tools install` \(it builds the pinned helm v\d+\.\d+\.\d+\), or set TRUEUP_HELM to its path$/);
  const byPath = await captureError(runTool({ tool: 'kustomize', bin: '/nonexistent/kustomize', args: ['build'], env, renderPath: 'apps/web' }));
  assert.equal(byPath.code, 'RENDER_TOOL_MISSING');
  assert.match(byPath.message, /"\/nonexistent\/kustomize" was not found: run `trueup tools install` \(it builds the pinned kustomize v\d+\.\d+\.\d+\), or set TRUEUP_KUSTOMIZE/);
});

test('runTool: a binary that is not executable', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'trueup-run-tool-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const bin = path.join(dir, 'helm');
  await writeFile(bin, '#!/bin/sh\n');
  await chmod(bin, 0o644); // without an x bit even root gets EACCES
  const error = await captureError(runTool({ tool: 'helm', bin, args: [], env, renderPath: 'charts/web' }));
  assert.equal(error.code, 'RENDER_TOOL_MISSING');
  assert.match(error.message, /is not executable/);
});

test('runTool: a hung tool is killed with its children at the time limit', async () => {
  const started = performance.now();
  // The shell's child `sleep` holds stdout open: only killing the group ends the run.
  const error = await captureError(runTool(fakeKustomize('sleep 30; echo never', { timeoutMs: 200 })));
  assert.deepEqual(error, { code: 'RENDER_TOOL_TIMEOUT', file: 'apps/web', message: 'kustomize did not finish within 0.2s rendering apps/web and was killed' });
  assert.ok(performance.now() - started < 10_000, 'the run ended long before sleep would have');
});

test('runTool: output beyond the limit is refused', async () => {
  const error = await captureError(runTool(fakeKustomize('yes "kind: ConfigMap"', { maxOutputBytes: 64 * 1024 })));
  assert.equal(error.code, 'RENDER_LIMIT');
  assert.match(error.message, /more than 65536 bytes rendering apps\/web/);
});

test('runTool: an abort ends the run with the signal\'s reason', async () => {
  const controller = new AbortController();
  const run = runTool(fakeKustomize('sleep 30', { signal: controller.signal }));
  setTimeout(() => controller.abort(new Error('agent stopping')), 50);
  await assert.rejects(run, /agent stopping/);
  await assert.rejects(runTool(fakeKustomize('true', { signal: AbortSignal.abort(new Error('already')) })), /already/);
});

test('toolBin: option, then environment, then the name on PATH', () => {
  const saved = process.env['TRUEUP_HELM'];
  const savedDir = process.env['TRUEUP_TOOLS_DIR'];
  process.env['TRUEUP_TOOLS_DIR'] = '/nonexistent/trueup-tools';
  try {
    process.env['TRUEUP_HELM'] = '/opt/helm';
    assert.equal(toolBin('helm', '/usr/local/bin/helm'), '/usr/local/bin/helm');
    assert.equal(toolBin('helm', undefined), '/opt/helm');
    delete process.env['TRUEUP_HELM'];
    assert.equal(toolBin('helm', undefined), 'helm');
  } finally {
    if (saved === undefined) delete process.env['TRUEUP_HELM'];
    else process.env['TRUEUP_HELM'] = saved;
    if (savedDir === undefined) delete process.env['TRUEUP_TOOLS_DIR'];
    else process.env['TRUEUP_TOOLS_DIR'] = savedDir;
  }
});

test('toolEnv: nothing of the agent\'s environment but PATH', () => {
  const saved = process.env['GITHUB_TOKEN'];
  process.env['GITHUB_TOKEN'] = 'secret';
  try {
    const built = toolEnv('/tmp/home', { HELM_DATA_HOME: '/tmp/home/data' });
    assert.deepEqual(Object.keys(built).sort(), ['HELM_DATA_HOME', 'HOME', 'LC_ALL', 'PATH', 'TMPDIR']);
    assert.equal(built['HOME'], '/tmp/home');
  } finally {
    if (saved === undefined) delete process.env['GITHUB_TOKEN'];
    else process.env['GITHUB_TOKEN'] = saved;
  }
});
