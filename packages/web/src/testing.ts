/**
 * Debian's Chromium, headless, driven by playwright-core: what the UI's tests and benchmarks
 * open pages with. Each launch gets a fresh profile (a new temporary user data dir).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { TestHub } from '@trueup/testkit/hub';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.TRUEUP_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Why the browser tests cannot run here, or undefined; under CI=true a missing piece fails instead. */
export function skipWithoutChromium(): string | undefined {
  const missing = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM} (bash scripts/provision-tests.sh installs it)`
    : !existsSync(new URL('../dist/index.html', import.meta.url)) ? 'the web UI is not built (npm install builds it)' : undefined;
  if (missing !== undefined && process.env.CI === 'true') throw new Error(missing);
  return missing;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** The status a path answers with for the admin, to tell which of the API's newer parts this hub has. */
export async function fetchStatus(testHub: TestHub, path: string): Promise<number> {
  try {
    await testHub.client.get(path);
    return 200;
  } catch (error) {
    return typeof error === 'object' && error !== null && 'status' in error ? Number(error.status) : 0;
  }
}

export async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the page's Content Security Policy stays on.
  await page.evaluate(await readFile(AXE, 'utf8'));
  const result = await page.evaluate<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>("axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })");
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
}


/** Signs in on the login page with an API token (opening the token form when the hub offers other ways first). */
export async function signInWithToken(page: Page, token: string): Promise<void> {
  const other = page.getByText('Use an API token instead');
  const tokenField = page.getByLabel('API token');
  await other.or(tokenField).first().waitFor();
  if (await other.isVisible()) await other.click();
  await tokenField.fill(token);
  await page.getByRole('button', { name: 'Sign in with token' }).click();
}
