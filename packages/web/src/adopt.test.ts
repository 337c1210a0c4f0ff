/**
 * "Adopt into Git" in headless Chromium, against a real hub and a real host agent joined to it:
 * a hand fix of a file (its self-heal paused) shows OutOfSync in the application's resources; a
 * viewer is not offered the action; an admin adopts it on a new branch (the tracked branch
 * untouched, self-heal still paused), then straight onto the tracked branch: the hub commits the
 * live content into the line it came from, the agent applies it and the object is Synced again.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startAgent } from '@trueup/agent';
import type { ResourceDetailBody } from '@trueup/api';
import { Auth } from '@trueup/hub';
import { agentFixture } from '@trueup/testkit';
import { startTestHub } from '@trueup/testkit/hub';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import type { Page } from 'playwright-core';
import { axeViolations, launchChromium, signInWithToken, skipWithoutChromium } from './testing.ts';
import { eventually } from '@trueup/testkit/eventually';

const run = promisify(execFile);
const FILES = `apiVersion: host.trueup.dev/v1alpha1
kind: File
metadata:
  name: motd
spec:
  path: /etc/motd
  content: "one"   # the banner
`;


test('adopt a hand fix into Git from the application page; a viewer is not offered it', { skip: skipWithoutChromium() }, async (t) => {
  const defer = lastInFirstOut(t);
  const testHub = await startTestHub();
  defer(() => testHub.stop());
  const { client } = testHub;
  const fixture = await agentFixture({ files: { 'app/files.yaml': FILES } });
  defer(() => fixture.cleanup());
  const { token } = await client.post<{ token: string }>('/api/v1/join-tokens', { name: 'prod' });
  await writeFile(join(fixture.dir, 'join-token'), token, { mode: 0o600 });
  const agent = await startAgent({ stateDir: fixture.stateDir, paths: [fixture.appFile], onEvent: (e) => fixture.onEvent(e), hub: { joinTokenFile: join(fixture.dir, 'join-token') } });
  defer(() => agent.stop({ stopServices: true }));
  const APP = '/api/v1/environments/prod/applications/test';
  const motdKey = 'host.trueup.dev/v1alpha1/File//motd';
  const resource = (): Promise<ResourceDetailBody> => client.get<ResourceDetailBody>(`${APP}/resources/${encodeURIComponent(motdKey)}`);
  await eventually('the application synced at the hub', async () => ((await client.get<{ sync: string }>(APP)).sync === 'Synced' ? true : undefined));

  // A person pauses self-heal of motd and fixes it by hand: reported OutOfSync, not healed.
  await client.post(`${APP}/pause?wait=true&object=${encodeURIComponent(motdKey)}`, {});
  await writeFile(join(fixture.root, 'etc/motd'), 'by hand');
  await agent.refresh('test');
  await eventually('motd OutOfSync at the hub', async () => ((await resource()).sync === 'OutOfSync' ? true : undefined));

  const browser = await launchChromium();
  defer(() => browser.close());
  const openMotd = async (secret: string): Promise<Page> => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(`${testHub.hub.url}/environments/prod/applications/test?view=list`);
    await signInWithToken(page, secret);
    await page.getByRole('table', { name: 'Resources' }).getByRole('button', { name: 'motd' }).click();
    await page.getByRole('region', { name: 'Resource File motd' }).getByText('OutOfSync').first().waitFor();
    return page;
  };

  const viewer = await openMotd(await new Auth(testHub.hub.store, Date.now).createToken('watcher', 'viewer'));
  await viewer.getByRole('tab', { name: 'Live' }).click();
  await viewer.getByText('by hand').waitFor();
  assert.equal(await viewer.getByRole('group', { name: 'Adopt into Git' }).count(), 0, 'a viewer may not write Git');
  await viewer.context().close();

  // By default the fix goes on a new branch for review; the tracked branch is untouched and self-heal stays paused.
  const bare = new URL(fixture.repoURL).pathname;
  const mainBefore = (await run('git', ['--git-dir', bare, 'rev-parse', 'main'])).stdout.trim();
  const reviewer = await openMotd(testHub.adminToken);
  const reviewDetail = reviewer.getByRole('region', { name: 'Resource File motd' });
  await reviewDetail.getByRole('button', { name: 'Adopt on a new branch' }).click();
  const onBranch = reviewer.getByRole('status', { name: 'Adopted' });
  await onBranch.getByText(/^Committed \w{12} into app\/files\.yaml on branch trueup\/adopt\/prod-test-file-motd-\w+; self-heal stays paused until main holds these values\.$/).waitFor({ timeout: 60_000 }).catch(async (error: unknown) => {
    throw new Error(`not adopted on a branch; the resource's card says: ${await reviewDetail.innerText()}`, { cause: error });
  });
  await onBranch.getByText(/^git fetch origin trueup\/adopt\//).waitFor();
  assert.deepEqual(await axeViolations(reviewer), []);
  const branches = (await run('git', ['--git-dir', bare, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/trueup/adopt/'])).stdout.trim().split('\n');
  assert.equal(branches.length, 1, `one adoption branch, not ${JSON.stringify(branches)}`);
  const branchDiff = (await run('git', ['--git-dir', bare, 'diff', '--unified=0', 'main', branches[0] as string])).stdout;
  assert.deepEqual(branchDiff.split('\n').filter((line) => /^[-+][^-+]/.test(line)), ['-  content: "one"   # the banner', '+  content: "by hand"   # the banner']);
  assert.equal((await run('git', ['--git-dir', bare, 'rev-parse', 'main'])).stdout.trim(), mainBefore, 'the tracked branch is not written');
  assert.equal((await resource()).sync, 'OutOfSync', 'still paused: not healed back');
  await reviewer.context().close();

  // Asked to, the fix goes straight onto the tracked branch: the agent applies it and self-heal resumes.
  const page = await openMotd(testHub.adminToken);
  const detail = page.getByRole('region', { name: 'Resource File motd' });
  await detail.getByRole('button', { name: 'Commit to the tracked branch' }).click();
  const adopted = page.getByRole('status', { name: 'Adopted' });
  await adopted.getByText(/^Committed \w{12} into app\/files\.yaml; self-heal resumed\.$/).waitFor({ timeout: 120_000 }).catch(async (error: unknown) => {
    throw new Error(`not adopted; the resource's card says: ${await detail.innerText()}`, { cause: error });
  });
  await adopted.getByText('app/files.yaml:7').waitFor();
  assert.deepEqual(await axeViolations(page), []);
  await detail.getByText('Synced').first().waitFor();
  await detail.getByRole('group', { name: 'Adopt into Git' }).waitFor({ state: 'detached' });

  // The commit is the hand fix, in the line the object came from.
  const diff = (await run('git', ['--git-dir', bare, 'diff', '--unified=0', 'main~1', 'main'])).stdout;
  assert.deepEqual(diff.split('\n').filter((line) => /^[-+][^-+]/.test(line)), ['-  content: "one"   # the banner', '+  content: "by hand"   # the banner']);
  assert.equal((await resource()).sync, 'Synced');
});
