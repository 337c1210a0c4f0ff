/**
 * The resource tree of a Kubernetes application in headless Chromium, against a real hub and an
 * agent on the Kubernetes test env: a Deployment opens onto its ReplicaSet, which opens onto its
 * Pod; a click shows the live object. A hub without the resource routes says so in the tree.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startAgent } from '@trueup/agent';
import { agentFixture, deploymentManifest, kubeNamespace, kubeTestEnv } from '@trueup/testkit';
import { startTestHub, writeJoinToken } from '@trueup/testkit/hub';
import { axeViolations, fetchStatus, launchChromium, signInWithToken, skipWithoutChromium } from './testing.ts';

const DEPLOYMENT = deploymentManifest({ image: 'registry.invalid/trueup/web:1' });

test('the resource tree of a Kubernetes application: Deployment → ReplicaSet → Pod', { skip: skipWithoutChromium() }, async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const namespace = await kubeNamespace(env, t);
  const testHub = await startTestHub();
  t.after(() => testHub.stop());
  const fixture = await agentFixture({ files: { 'app/web.yaml': DEPLOYMENT }, destination: `{ kubernetes: { kubeconfig: "${env.kubeconfig}", namespace: ${namespace} } }` });
  t.after(() => fixture.cleanup());
  const tokenFile = await writeJoinToken(testHub.client, fixture.dir, 'cluster');
  const agent = await startAgent({ stateDir: fixture.stateDir, paths: [fixture.appFile], onEvent: (e) => fixture.onEvent(e), hub: { joinTokenFile: tokenFile } });
  t.after(() => agent.stop({ stopServices: true }));
  const deploymentKey = `apps/v1/Deployment/${namespace}/web`;
  const app = '/api/v1/environments/cluster/applications/test';

  const browser = await launchChromium();
  t.after(() => browser.close());
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  await page.goto(`${testHub.hub.url}/environments/cluster/applications/test`);
  await signInWithToken(page, testHub.adminToken);
  const tree = page.getByRole('tree', { name: 'Resources' });
  await tree.getByRole('treeitem', { name: 'Deployment (1)', expanded: true }).waitFor();
  const deployment = tree.getByRole('treeitem', { name: new RegExp(`^Deployment ${namespace}/web Synced`) });
  await deployment.waitFor();
  const hubShowsChildren = (await fetchStatus(testHub, `${app}/resources/${encodeURIComponent(deploymentKey)}/children`)) !== 404;
  await deployment.press('ArrowRight');
  if (hubShowsChildren) {
    const replicaSet = tree.getByRole('treeitem', { name: /^ReplicaSet web-/ });
    await replicaSet.waitFor();
    if ((await replicaSet.getAttribute('aria-expanded')) === 'false') await replicaSet.press('ArrowRight');
    await tree.getByRole('treeitem', { name: /^Pod web-/ }).waitFor();
  } else {
    await tree.getByRole('treeitem', { name: 'This hub does not show what Kubernetes objects own.' }).waitFor();
  }
  await deployment.click();
  const detail = page.getByRole('region', { name: `Resource Deployment ${namespace}/web` });
  await detail.getByRole('tab', { name: 'Live' }).click();
  const hubShowsObjects = (await fetchStatus(testHub, `${app}/resources/${encodeURIComponent(deploymentKey)}`)) !== 404;
  if (hubShowsObjects) await detail.getByText('kind: Deployment').first().waitFor();
  else await detail.getByText('This hub does not serve live and desired objects').waitFor();
  assert.deepEqual(await axeViolations(page), []);
});
