/** For tests of the CLI: `trueup` run as a process, and waiting for a condition. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const MAIN = join(import.meta.dirname, 'main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `trueup args…` to its end; `env` replaces the environment (default: this process's). */
export function trueup(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `trueup` that reaches a hub only through the flags given: TRUEUP_HUB of the environment is cleared. */
export function trueupWithoutHubEnv(args: readonly string[]): Promise<CliResult> {
  return trueup(args, { ...process.env, TRUEUP_HUB: '' });
}

/**
 * Asks `fn` every 100 ms until it answers something (not undefined; a rejection counts as no
 * answer) and returns that; fails after `timeoutMs` with `what`, the last error and `detail()`.
 */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000, detail: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const value = await fn().catch((error: unknown) => {
      last = error;
      return undefined;
    });
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}: ${last instanceof Error ? last.message : ''} ${detail()}`);
}
