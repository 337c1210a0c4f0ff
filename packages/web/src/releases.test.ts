/**
 * Releases in headless Chromium, against a real hub, a Git server and two host agents (dev and
 * prod) following one config repository: the promotion's stages with the release each runs and a
 * hold; a release in every stage with where it runs and its gates; an operator releases the hold
 * and promotes to prod from the page, and prod's agent runs it; a viewer sees the same pages
 * without a Promote or Release-hold button.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ReleaseView } from '@trueup/api';
import { Auth } from '@trueup/hub';
import { requireGit } from '@trueup/testkit';
import { eventually, startHandoffEnv, versionPromotion } from '@trueup/testkit/handoff';
import type { Page } from 'playwright-core';
import { axeViolations, launchChromium, signInWithToken, skipWithoutChromium } from './testing.ts';

const app = (version: string): string => `apiVersion: host.trueup.dev/v1alpha1
kind: File
metadata:
  name: version
spec:
  path: /etc/version
  content: "${version}"   # promoted
`;

const promotionFile = (repoURL: string): string => versionPromotion(repoURL, 'spec.content', ['dev', 'prod'], ['prod']);

test('releases in the web UI: stages, gates, a hold released and a promotion by an operator; a viewer cannot promote', { skip: skipWithoutChromium() }, async (t) => {
  if (!(await requireGit(t))) return;
  const env = await startHandoffEnv({
    environments: ['dev', 'prod'],
    files: (repoURL) => ({ 'envs/dev/app.yaml': app('v0'), 'envs/prod/app.yaml': app('v0'), '.trueup/promotions/web.yml': promotionFile(repoURL) }),
  });
  t.after(() => env.stop());
  const { operator, testHub } = env;
  await eventually('both agents report web', async () => ((await testHub.client.get<{ total: number }>('/api/v1/applications?health=Healthy')).total === 2 ? true : undefined));
  await operator.post('/api/v1/promotions/sources', { repoURL: env.repoURL });
  await operator.post('/api/v1/releases', { promotion: 'web', values: { version: 'v1' }, origin: 'ci run 7' });
  const show = (): Promise<ReleaseView> => testHub.client.get<ReleaseView>('/api/v1/releases/web-1');
  await eventually('web-1 healthy in dev', async () => ((await show()).stages.find((s) => s.stage === 'dev')?.state === 'healthy' ? true : undefined));
  await operator.post('/api/v1/promotions/web/hold', { stage: 'prod', reason: 'freeze for the audit' });

  const auth = new Auth(testHub.hub.store, Date.now);
  const browser = await launchChromium();
  t.after(() => browser.close());
  const open = async (token: string, path: string, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 }, colorScheme });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(`${testHub.hub.url}${path}`);
    await signInWithToken(page, token);
    return page;
  };
  const shots = process.env.TRUEUP_UI_SCREENSHOTS;
  const shoot = async (page: Page, name: string): Promise<void> => {
    if (shots === undefined) return;
    await mkdir(shots, { recursive: true });
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  };

  // A viewer: the promotion, its hold, the release in every stage; no action offered.
  const viewer = await open(await auth.createToken('vic-ui', 'viewer'), '/releases');
  const prodStage = viewer.getByRole('list', { name: 'Stages of web' }).getByRole('listitem', { name: 'Stage prod' });
  await prodStage.getByText(/Held by token:olga .*: freeze for the audit/).waitFor();
  await viewer.getByRole('table', { name: 'Releases' }).getByRole('link', { name: 'web-1' }).click();
  await viewer.waitForURL(/\/releases\/web-1$/);
  await viewer.getByRole('region', { name: 'Stage dev' }).getByLabel('Where dev runs').getByText('running this release').waitFor();
  await viewer.getByRole('list', { name: 'Gates of prod' }).getByText(/approvals/).first().waitFor();
  assert.equal(await viewer.getByRole('button', { name: /^Promote to/ }).count(), 0, 'a viewer may not promote');
  assert.equal(await viewer.getByRole('button', { name: /^Release hold/ }).count(), 0, 'a viewer may not release a hold');
  assert.equal(await viewer.getByRole('button', { name: /^Approve for/ }).count(), 0, 'a viewer may not approve');
  await viewer.context().close();

  // An operator releases the hold and promotes web-1 to prod by hand; prod's agent runs it.
  const page = await open(await auth.createToken('olga-ui', 'operator'), '/releases/web-1');
  const prod = page.getByRole('region', { name: 'Stage prod' });
  await prod.getByRole('status', { name: 'Hold on prod' }).waitFor();
  assert.deepEqual(await axeViolations(page), []);
  await shoot(page, 'release-light');
  await prod.getByRole('button', { name: 'Release hold on prod' }).click();
  await prod.getByRole('status', { name: 'Hold on prod' }).waitFor({ state: 'detached' });
  assert.equal(await page.getByRole('button', { name: 'Promote to dev' }).count(), 0, 'dev runs it already');
  await prod.getByRole('button', { name: 'Promote to prod' }).click();
  await prod.getByLabel('Where prod runs').getByText('running this release').waitFor({ timeout: 60_000 }).catch(async (error: unknown) => {
    throw new Error(`prod does not run web-1; its card says: ${await prod.innerText()}; the hub says: ${JSON.stringify((await show()).stages.find((s) => s.stage === 'prod'))}`, { cause: error });
  });
  const promoted = (await show()).stages.find((s) => s.stage === 'prod');
  assert.equal(promoted?.manual, true);
  assert.equal(promoted?.requestedBy, 'token:olga-ui');
  assert.equal(promoted?.held, undefined);

  await page.getByRole('link', { name: 'All releases' }).click();
  await page.getByRole('list', { name: 'Stages of web' }).getByRole('listitem', { name: 'Stage prod' }).getByRole('link', { name: 'web-1' }).waitFor();
  assert.deepEqual(await axeViolations(page), []);
  await shoot(page, 'releases-light');
  if (shots === undefined) return;
  const dark = await open(await auth.createToken('olga-dark', 'operator'), '/releases/web-1', 'dark');
  await dark.getByRole('region', { name: 'Stage prod' }).getByLabel('Where prod runs').getByText('running this release').waitFor();
  assert.deepEqual(await axeViolations(dark), []);
  await shoot(dark, 'release-dark');
  await dark.getByRole('link', { name: 'All releases' }).click();
  await dark.getByRole('table', { name: 'Releases' }).waitFor();
  await shoot(dark, 'releases-dark');
});
