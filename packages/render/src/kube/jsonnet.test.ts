/**
 * Jsonnet in a plain folder, evaluated by the pinned go-jsonnet (`trueup tools install jsonnet`,
 * which scripts/provision-tests.sh runs): Argo CD's extVars, tlas and libs.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import type { JsonnetSource } from '@trueup/api';
import { findTool } from '../tools/renderers.ts';
import { captureError, scratchRepo } from '../test-helpers.ts';
import { renderKubernetesManifests } from './render-kubernetes.ts';

function jsonnetBin(t: TestContext): string | undefined {
  const { bin } = findTool('jsonnet', undefined);
  try {
    execFileSync(bin, ['--version'], { stdio: 'ignore' });
    return bin;
  } catch {
    if (process.env['CI'] === 'true') throw new Error(`jsonnet was not found (${bin}): run scripts/provision-tests.sh`);
    t.skip('jsonnet is not installed: trueup tools install jsonnet');
    return undefined;
  }
}

async function repo(t: TestContext, files: Record<string, string>) {
  const scratch = await scratchRepo();
  t.after(() => scratch.remove());
  for (const [file, text] of Object.entries(files)) await scratch.write(file, text);
  return scratch.repo;
}

const MAIN = `local lib = import 'lib.libsonnet';
local shared = import 'shared/labels.libsonnet';
function(tier='api') [
  lib.configMap(std.extVar('env') + '-' + tier, { replicas: std.toString(std.extVar('replicas')), app: std.extVar('app') }, shared),
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: tier } },
]
`;

test('jsonnet files of a folder are evaluated with extVars, tlas and libs, beside its YAML', async (t) => {
  const bin = jsonnetBin(t);
  if (bin === undefined) return;
  const checkout = await repo(t, {
    'app/main.jsonnet': MAIN,
    'app/lib.libsonnet': "{ configMap(name, data, labels):: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: name, labels: labels }, data: data } }\n",
    'app/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n',
    'vendor/shared/labels.libsonnet': "{ team: 'shop' }\n",
  });
  const jsonnet: JsonnetSource = {
    libs: ['vendor'],
    extVars: [{ name: 'env', value: 'prod', code: false }, { name: 'replicas', value: '1 + 2', code: true }, { name: 'app', value: '$ARGOCD_APP_NAME-$$x', code: false }],
    tlas: [{ name: 'tier', value: 'web', code: false }],
  };
  const { tool, objects } = await renderKubernetesManifests({ checkoutDir: checkout, path: 'app', application: 'shop', directory: { recurse: false, jsonnet }, tools: { jsonnet: bin } });
  assert.equal(tool, 'plain');
  assert.deepEqual(objects.map((o) => [`${o.key.kind}/${o.key.name}`, `${o.origin.file}:${o.origin.line}`]), [
    ['ConfigMap/plain', 'app/extra.yaml:1'],
    ['ConfigMap/prod-web', 'app/main.jsonnet:1'],
    ['ServiceAccount/web', 'app/main.jsonnet:1'],
  ]);
  assert.deepEqual(objects[1]?.manifest, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'prod-web', labels: { team: 'shop' } }, data: { replicas: '3', app: 'shop-$x' } });
});

test('a folder of only Jsonnet no longer renders as nothing: one object per file, a top-level object too', async (t) => {
  const bin = jsonnetBin(t);
  if (bin === undefined) return;
  const checkout = await repo(t, { 'app/cm.jsonnet': "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one' } }\n" });
  const { objects } = await renderKubernetesManifests({ checkoutDir: checkout, path: 'app', application: 'shop', tools: { jsonnet: bin } });
  assert.deepEqual(objects.map((o) => o.key.name), ['one']);
});

test('jsonnet errors name the file and line; an import that leaves the repository is refused before jsonnet runs', async (t) => {
  const bin = jsonnetBin(t);
  if (bin === undefined) return;
  const checkout = await repo(t, {
    'bad/main.jsonnet': "{\n  a: std.extVar('missing'),\n}\n",
    'escape/main.jsonnet': "local x = import 'ok.libsonnet';\nlocal secret = importstr '/etc/hostname';\n{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: secret } }\n",
    'escape/ok.libsonnet': '{}\n',
    'climb/main.jsonnet': "local up = importstr '../../../../../../../../etc/hostname';\n[]\n",
  });
  const failed = await captureError(renderKubernetesManifests({ checkoutDir: checkout, path: 'bad', application: 'shop', tools: { jsonnet: bin } }));
  assert.equal(failed.code, 'RENDER_TOOL_FAILED');
  assert.match(failed.message, /^jsonnet failed evaluating bad\/main\.jsonnet: .*Undefined external variable: missing/s);
  assert.match(failed.message, /bad\/main\.jsonnet:2/);
  assert.doesNotMatch(failed.message, new RegExp(checkout));
  const absolute = await captureError(renderKubernetesManifests({ checkoutDir: checkout, path: 'escape', application: 'shop', tools: { jsonnet: bin } }));
  assert.equal(absolute.code, 'RENDER_SOURCE_ESCAPES_REPO');
  assert.equal(absolute.message, 'escape/main.jsonnet imports "/etc/hostname": imports must be relative paths inside the repository');
  assert.deepEqual([absolute.file, absolute.line], ['escape/main.jsonnet', 2]);
  const climb = await captureError(renderKubernetesManifests({ checkoutDir: checkout, path: 'climb', application: 'shop', tools: { jsonnet: bin } }));
  assert.equal(climb.code, 'RENDER_SOURCE_ESCAPES_REPO');
  assert.match(climb.message, /leads outside the repository/);
});

test('a missing jsonnet binary says how to install the pinned one', async (t) => {
  const checkout = await repo(t, { 'app/cm.jsonnet': '{}\n' });
  const error = await captureError(renderKubernetesManifests({ checkoutDir: checkout, path: 'app', application: 'shop', tools: { jsonnet: '/nonexistent/jsonnet' } }));
  assert.equal(error.code, 'RENDER_TOOL_MISSING');
  assert.match(error.message, /jsonnet is needed to render app\/cm\.jsonnet but "\/nonexistent\/jsonnet" was not found: run `trueup tools install` \(it builds the pinned jsonnet v0\.22\.0\)/);
});
