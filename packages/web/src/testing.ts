/**
 * Debian's Chromium, headless, driven by playwright-core: what the UI's tests and benchmarks
 * open pages with. Each launch gets a fresh profile (a new temporary user data dir).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

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
