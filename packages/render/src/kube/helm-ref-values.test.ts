/** Helm values files from a ref source (`$values/…`), read from its checkout and confined to it. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { HelmSourceSchema } from '@trueup/api';
import { requireKubeTools } from '@trueup/testkit';
import { captureError, scratchRepo } from '../test-helpers.ts';
import { renderKubernetesManifests } from './render-kubernetes.ts';

async function setup(t: TestContext) {
  const bin = requireKubeTools(t);
  if (bin === undefined) return undefined;
  const chart = await scratchRepo();
  const values = await scratchRepo();
  t.after(() => Promise.all([chart.remove(), values.remove()]));
  await chart.write('chart/Chart.yaml', 'apiVersion: v2\nname: web\nversion: 1.0.0\n');
  await chart.write('chart/values.yaml', 'greeting: default\n');
  await chart.write('chart/templates/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  greeting: {{ .Values.greeting | quote }}\n');
  await values.write('envs/prod/values.yaml', 'greeting: prod\n');
  await values.link('envs/escape.yaml', '/etc/hostname');
  const render = (valueFiles: string[]) => renderKubernetesManifests({
    checkoutDir: chart.repo, path: 'chart', application: 'web', helm: { ...HelmSourceSchema.parse({}), valueFiles },
    tools: { helm: path.join(bin, 'helm') }, refs: { values: values.repo },
  });
  return { render };
}

test('$values/… reads the ref source\'s checkout; an unknown ref, a climb or a symlink out of it is refused', async (t) => {
  const run = await setup(t);
  if (run === undefined) return;
  const { objects } = await run.render(['$values/envs/prod/values.yaml']);
  assert.deepEqual(objects[0]?.manifest['data'], { greeting: 'prod' });
  const unknown = await captureError(run.render(['$other/values.yaml']));
  assert.equal(unknown.code, 'RENDER_PATH_NOT_FOUND');
  assert.equal(unknown.message, 'spec.source.helm.valueFiles[0] "$other/values.yaml" names no ref source (there are $values)');
  const climb = await captureError(run.render(['$values/../../etc/hostname']));
  assert.equal(climb.code, 'RENDER_PATH_ESCAPES_REPO');
  const link = await captureError(run.render(['$values/envs/escape.yaml']));
  assert.equal(link.code, 'RENDER_PATH_ESCAPES_REPO');
  assert.match(link.message, /of ref source \$values/);
});
