/**
 * The UI in headless Chromium against a real hub with a real host agent joined: sign in, filter
 * (kept in the URL), open an application, watch a drift appear and heal, sync, find it in the
 * ledger, a viewer refused a sync, and an automated accessibility check of every main view.
 * With TRUEUP_UI_SCREENSHOTS=DIR, saves the main views (1280×800, light and dark) there.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startAgent } from '@trueup/agent';
import { Auth } from '@trueup/hub';
import { agentFixture, hostManifest } from '@trueup/testkit';
import { startTestHub } from '@trueup/testkit/hub';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeViolations, fetchStatus, launchChromium, signInWithToken, skipWithoutChromium } from './testing.ts';

test('the web UI against a hub with a host agent', { skip: skipWithoutChromium() }, async (t) => {
  const testHub = await startTestHub();
  t.after(() => testHub.stop());
  const fixture = await agentFixture({ files: { 'app/files.yaml': hostManifest('File', 'motd', { path: '/etc/motd', content: 'one\n' }) } });
  t.after(() => fixture.cleanup());
  const { token } = await testHub.client.post<{ token: string }>('/api/v1/join-tokens', { name: 'prod', labels: { region: 'eu' }, ttl: '10m' });
  const tokenFile = join(fixture.dir, 'join-token');
  await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
  const agent = await startAgent({ stateDir: fixture.stateDir, paths: [fixture.appFile], onEvent: (e) => fixture.onEvent(e), hub: { joinTokenFile: tokenFile } });
  t.after(() => agent.stop({ stopServices: true }));
  // A second environment whose application is not automated: its drift stays until someone syncs.
  const manual = await agentFixture({ automated: false, files: { 'app/files.yaml': hostManifest('File', 'banner', { path: '/etc/banner', content: 'hello\n' }) } });
  t.after(() => manual.cleanup());
  const { token: stagingToken } = await testHub.client.post<{ token: string }>('/api/v1/join-tokens', { name: 'staging', labels: { region: 'us' }, ttl: '10m' });
  await writeFile(join(manual.dir, 'join-token'), `${stagingToken}\n`, { mode: 0o600 });
  const manualAgent = await startAgent({ stateDir: manual.stateDir, paths: [manual.appFile], onEvent: (e) => manual.onEvent(e), hub: { joinTokenFile: join(manual.dir, 'join-token') } });
  let manualRunning = true;
  const stopManual = async (): Promise<void> => {
    if (!manualRunning) return;
    manualRunning = false;
    await manualAgent.stop({ stopServices: true });
  };
  t.after(stopManual);
  const viewerToken = await new Auth(testHub.hub.store, Date.now).createToken('watcher', 'viewer');
  const hubHas = { whoami: (await fetchStatus(testHub, '/api/v1/whoami')) !== 404 };

  const browser: Browser = await launchChromium();
  t.after(() => browser.close());
  const open = async (theme: 'light' | 'dark' = 'light'): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 }, colorScheme: theme });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    return { context, page };
  };
  const signIn = async (page: Page, secret: string, path = '/'): Promise<void> => {
    await page.goto(`${testHub.hub.url}${path}`);
    await signInWithToken(page, secret);
  };
  const shots = process.env.TRUEUP_UI_SCREENSHOTS;
  const shoot = async (page: Page, name: string): Promise<void> => {
    if (shots === undefined) return;
    await mkdir(shots, { recursive: true });
    await page.screenshot({ path: join(shots, `${name}.png`) });
  };

  const { page } = await open();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  // A hub that reads sync options from the body only refuses them in the query (400); the page then sends the body alone.
  let syncOptionsRefused = 0;
  page.on('response', (response) => { if (response.status() === 400 && /\/sync\?/.test(response.url())) syncOptionsRefused += 1; });

  await t.test('sign in: a wrong token is refused, the admin token lets in', async () => {
    await signIn(page, 'tut.nope.nope');
    await page.getByRole('alert').filter({ hasText: 'does not know this token' }).waitFor();
    await page.getByLabel('API token').fill(testHub.adminToken);
    await page.getByRole('button', { name: 'Sign in with token' }).click();
    await page.getByRole('row', { name: 'test in prod: Synced, Healthy' }).waitFor();
    await page.getByRole('status', { name: 'Live updates' }).filter({ hasText: 'Live' }).waitFor();
  });

  await t.test('filters go to the hub and stay in the URL', async () => {
    await page.getByRole('row', { name: /^test in staging: OutOfSync/ }).waitFor();
    await page.getByRole('combobox', { name: 'Sync' }).selectOption('OutOfSync');
    await page.waitForURL(/sync=OutOfSync/);
    await page.getByRole('row', { name: 'test in prod: Synced, Healthy' }).waitFor({ state: 'detached' });
    await page.reload();
    await page.getByRole('row', { name: /^test in staging: OutOfSync/ }).waitFor();
    assert.equal(await page.getByRole('row', { name: /^test in prod/ }).count(), 0);
    await page.getByRole('searchbox', { name: 'Search' }).fill('nothing-like-this');
    await page.getByText('No applications match').waitFor();
    assert.match(page.url(), /q=nothing-like-this/);
    // Each filter below is changed once the page shows the one before it: a change made before the
    // page has drawn the last one (the search commits 250 ms after the last key; a slow machine
    // draws late) starts from the filters before it and puts the last one back.
    await page.getByRole('searchbox', { name: 'Search' }).fill('');
    await page.getByRole('row', { name: /^test in staging: OutOfSync/ }).waitFor();
    assert.doesNotMatch(page.url(), /q=/);
    await page.getByRole('combobox', { name: 'Sync' }).selectOption('');
    await page.getByRole('button', { name: /^OutOfSync: /, pressed: false }).waitFor();
    await page.getByRole('combobox', { name: 'Environment' }).selectOption('prod');
    await page.getByRole('row', { name: /^test in staging/ }).waitFor({ state: 'detached' });
    await page.getByRole('row', { name: /^test in prod/ }).waitFor();
    assert.match(page.url(), /environment=prod/);
    await page.getByRole('combobox', { name: 'Environment' }).selectOption('');
    await page.getByRole('row', { name: /^test in staging/ }).waitFor();
    // Typed key by key: nothing is sent until it reads key=value.
    await page.getByRole('textbox', { name: 'Label' }).pressSequentially('region=us');
    await page.waitForURL(/label=region%3Dus/);
    await page.getByRole('row', { name: /^test in prod/ }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Synced: 0' }).waitFor();
    await page.getByRole('textbox', { name: 'Label' }).fill('');
    await page.getByRole('row', { name: /^test in prod/ }).waitFor();
    assert.deepEqual(await axeViolations(page), []);
    await shoot(page, 'applications-light');
  });

  await t.test('sync from the page; a drift then appears in the list live, without a reload', async () => {
    const row = (state: string): ReturnType<Page['getByRole']> => page.getByRole('row', { name: `test in staging: ${state}` });
    await page.evaluate('window.__sameDocument = true');
    await page.getByRole('row', { name: /^test in staging: OutOfSync/ }).click();
    await page.getByRole('treeitem', { name: /^File banner OutOfSync/ }).click();
    const diff = page.getByRole('region', { name: 'Diff of File banner' });
    await diff.getByText('Desired (Git)').waitFor();
    await diff.getByRole('button', { name: 'Unified' }).click();
    // A dry run first: its plan, and nothing written.
    await page.getByRole('checkbox', { name: 'Dry run only' }).check();
    await page.getByRole('button', { name: 'Dry run', exact: true }).click();
    await page.getByRole('status', { name: 'Last command' }).getByText('sync (dry run)').waitFor();
    await page.getByRole('region', { name: 'Dry run plan' }).getByText(/File banner/).waitFor();
    await assert.rejects(readFile(join(manual.root, 'etc/banner'), 'utf8'), 'a dry run writes nothing');
    await page.getByRole('checkbox', { name: 'Dry run only' }).uncheck();
    await page.getByRole('button', { name: 'Sync', exact: true }).click();
    await page.getByRole('status', { name: 'Last command' }).getByText('succeeded').waitFor();
    await page.getByText('Live matches Git').waitFor();
    assert.equal(await readFile(join(manual.root, 'etc/banner'), 'utf8'), 'hello\n');
    await page.getByRole('link', { name: 'Applications' }).click();
    await row('Synced, Healthy').waitFor();
    await writeFile(join(manual.root, 'etc/banner'), 'tampered\n');
    // Not automated: the agent notices at its next pass, which another client asks for.
    await testHub.client.post('/api/v1/environments/staging/applications/test/refresh');
    await row('OutOfSync, Healthy').waitFor();
    await page.getByRole('button', { name: 'OutOfSync: 1' }).waitFor();
    assert.equal(await page.evaluate('window.__sameDocument'), true, 'the list changed in place');
  });

  await t.test('an application: resources, a drift seen live and healed, a sync handled', async () => {
    await page.getByRole('row', { name: /^test in prod/ }).click();
    await page.getByRole('heading', { name: /^test/ }).waitFor();
    await page.getByRole('treeitem', { name: /^File motd / }).click();
    await page.getByText('Live matches Git').waitFor();
    // The tree by keyboard: up to the group, close it, open it again.
    await page.getByRole('treeitem', { name: /^File motd / }).press('ArrowLeft');
    await page.getByRole('treeitem', { name: 'File (1)' }).press('ArrowLeft');
    await page.getByRole('treeitem', { name: 'File (1)', expanded: false }).waitFor();
    await page.getByRole('treeitem', { name: /^File motd / }).waitFor({ state: 'detached' });
    await page.keyboard.press('ArrowRight');
    await page.getByRole('treeitem', { name: /^File motd / }).waitFor();
    // The same resources as a plain list, kept in the URL.
    await page.getByRole('button', { name: 'List' }).click();
    await page.waitForURL(/view=list/);
    await page.getByRole('table', { name: 'Resources' }).getByRole('button', { name: 'motd' }).waitFor();
    await page.getByRole('button', { name: 'Tree' }).click();
    await writeFile(join(fixture.root, 'etc/motd'), 'tampered\n');
    const timeline = page.getByRole('list', { name: 'Timeline' });
    await timeline.getByText(/changed outside Git/).first().waitFor();
    await timeline.getByText(/healed back to Git/).first().waitFor();
    await page.getByRole('button', { name: 'Sync', exact: true }).click();
    const last = page.getByRole('status', { name: 'Last command' });
    await last.getByText('succeeded').waitFor();
    await last.getByText(/^handled /).waitFor();
    await last.getByText(/^requested .* by token:admin$/).waitFor();
    assert.deepEqual(await axeViolations(page), []);
    await shoot(page, 'application-light');
  });

  await t.test('the ledger shows the command, the drift and the heal, and filters by kind', async () => {
    await page.getByRole('link', { name: 'Ledger' }).click();
    const timeline = page.getByRole('list', { name: 'Timeline' });
    await timeline.getByText('command-requested').first().waitFor();
    await timeline.getByText('drift', { exact: true }).first().waitFor();
    await page.getByRole('combobox', { name: 'Kind' }).selectOption('heal');
    assert.match(page.url(), /kind=heal/);
    await timeline.getByText('heal', { exact: true }).first().waitFor();
    assert.equal(await timeline.getByText('command-requested').count(), 0);
    await page.getByRole('img', { name: /^Chart of prod: \d+ syncs, \d+ drifts, [1-9]\d* heals/ }).waitFor();
    assert.deepEqual(await axeViolations(page), []);
    await page.getByRole('combobox', { name: 'Kind' }).selectOption('');
    // Newest first.
    await timeline.getByText('command-requested').first().waitFor();
    const times = await page.evaluate<string[]>("[...document.querySelectorAll('ol[aria-label=Timeline] time')].map((e) => e.getAttribute('datetime'))");
    // (By the ledger's order; agents' clocks may differ by a few ms, so only the ends are compared.)
    assert.ok(times.length > 3 && (times[0] ?? '') > (times.at(-1) ?? ''), `newest first: ${times.join(', ')}`);
    // By user: what the admin token asked for, not what agents reported.
    await page.getByRole('textbox', { name: 'User' }).fill('token:admin');
    await page.waitForURL(/actor=token%3Aadmin/);
    await timeline.getByText('drift', { exact: true }).first().waitFor({ state: 'detached' });
    await timeline.getByText('command-requested').first().waitFor();
    await page.getByRole('textbox', { name: 'User' }).fill('');
    await shoot(page, 'ledger-light');
  });

  await t.test('environments: the agent connected, with its version and counts', async () => {
    // More connections than the ledger's last 1,000 entries hold: the hub's own count shows.
    for (let i = 0; i < 1_200; i++) await testHub.hub.store.environments.setConnected('prod', true, Date.now());
    const listed = await testHub.client.get<{ items: { name: string; reconnects?: number }[] }>('/api/v1/environments');
    const reconnects = listed.items.find((e) => e.name === 'prod')?.reconnects ?? 0;
    assert.ok(reconnects >= 1_200, `the hub counted ${reconnects} reconnects`);
    await page.getByRole('link', { name: 'Environments' }).click();
    const row = page.getByRole('row', { name: /^prod/ });
    await row.getByText('connected').waitFor();
    await row.getByText('region=eu').waitFor();
    await page.getByRole('columnheader', { name: 'Reconnects' }).waitFor();
    await row.getByRole('cell', { name: String(reconnects), exact: true }).waitFor();
    assert.deepEqual(await axeViolations(page), []);
    await shoot(page, 'environments-light');
  });

  await t.test('dark theme, keyboard, phone width', async () => {
    await page.getByRole('link', { name: 'Applications' }).click();
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
    await page.getByRole('row', { name: /^test in prod/ }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /^test/ }).waitFor();
    assert.deepEqual(await axeViolations(page), []);
    await shoot(page, 'application-dark');
    await page.goBack();
    await page.getByRole('row', { name: /^test in prod/ }).waitFor();
    assert.deepEqual(await axeViolations(page), []);
    await shoot(page, 'applications-dark');
    await page.getByRole('link', { name: 'Ledger' }).click();
    await page.getByRole('img', { name: /^Chart of / }).first().waitFor();
    await shoot(page, 'ledger-dark');
    await page.getByRole('link', { name: 'Environments' }).click();
    await page.getByRole('row', { name: /^prod/ }).waitFor();
    await shoot(page, 'environments-dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Applications' }).click();
    await page.getByRole('row', { name: /^test in prod/ }).waitFor();
    assert.ok(await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth + 1'), 'no sideways scrolling at phone width');
    await shoot(page, 'applications-phone-dark');
    await page.getByRole('row', { name: /^test in prod/ }).click();
    await page.getByRole('tree', { name: 'Resources' }).getByRole('treeitem', { name: /^File motd / }).click();
    await page.getByRole('region', { name: 'Resource File motd' }).waitFor();
    assert.ok(await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth + 1'), 'no sideways scrolling of the application page at phone width');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await t.test('a viewer sees everything and cannot sync', async () => {
    const viewer = await open();
    t.after(() => viewer.context.close());
    await signIn(viewer.page, viewerToken, '/environments/prod/applications/test');
    await viewer.page.getByRole('heading', { name: /^test/ }).waitFor();
    if (hubHas.whoami) {
      // The hub says what the caller may do: no button for what a viewer may not.
      await viewer.page.getByText('Your role may look but not act').waitFor();
      assert.equal(await viewer.page.getByRole('button', { name: 'Sync', exact: true }).count(), 0);
    } else {
      await viewer.page.getByRole('button', { name: 'Sync', exact: true }).click();
      await viewer.page.getByRole('alert').filter({ hasText: 'may not do this' }).waitFor();
    }
  });

  await t.test('a command for an agent that is away waits in the queue, and says since when', async () => {
    await stopManual();
    await page.goto(`${testHub.hub.url}/environments/staging/applications/test`);
    await page.getByRole('heading', { name: /^test/ }).waitFor();
    await page.getByText(/^agent offline since/).waitFor();
    await page.getByRole('button', { name: 'Refresh' }).click();
    const last = page.getByRole('status', { name: 'Last command' });
    await last.getByText('queued', { exact: true }).waitFor();
    await last.getByText(/^queued: agent offline since /).waitFor();
    await last.getByText('not handled yet').waitFor();
  });

  await t.test('an object fought over: the Fighting condition shows the ignoreDifferences to copy', async () => {
    const motd = join(fixture.root, 'etc/motd');
    // Changed back again and again (5 heals in a minute): self-heal backs off and says so.
    for (let round = 0; round < 5; round += 1) {
      await writeFile(motd, `fought over ${round}\n`);
      for (let waited = 0; (await readFile(motd, 'utf8')) !== 'one\n'; waited += 50) {
        if (waited > 30_000) throw new Error(`round ${round}: not healed`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    // The agent reports the condition with its next pass's status: ask for one.
    await testHub.client.post('/api/v1/environments/prod/applications/test/refresh?wait=true');
    await page.goto(`${testHub.hub.url}/environments/prod/applications/test`);
    const suggestion = page.getByRole('group', { name: 'Suggested ignoreDifferences' });
    await suggestion.waitFor();
    assert.match(await suggestion.innerText(), /ignoreDifferences:[\s\S]*kind: File[\s\S]*\/spec\/content/);
    await page.getByRole('row', { name: /^Fighting True/ }).waitFor();
    assert.deepEqual(await axeViolations(page), []);
  });

  await t.test('a revoked agent stands out on the environments page', async () => {
    await testHub.client.post('/api/v1/environments/staging/revoke');
    await page.getByRole('link', { name: 'Environments' }).click();
    await page.getByRole('alert').filter({ hasText: 'staging: revoked' }).waitFor();
    await page.getByRole('row', { name: /^staging/ }).getByText('revoked').waitFor();
    assert.deepEqual(await axeViolations(page), []);
  });

  // 401 and 403: refused on purpose; 404: parts of the API this hub may not have yet (whoami, resources).
  const unexpected = errors.filter((e) => !/status of 40[134]/.test(e));
  assert.ok(unexpected.filter((e) => /status of 400/.test(e)).length <= syncOptionsRefused, unexpected.join('\n'));
  assert.deepEqual(unexpected.filter((e) => !/status of 400/.test(e)), []);
});
