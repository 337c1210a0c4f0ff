/** For tests of the CLI: `trueup` run as a process, and waiting for a condition. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const MAIN = join(import.meta.dirname, 'main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `trueup args…` to its end; `env` replaces the environment (default: this process's).
 * `cwd` is where it runs; `input` is written to its standard input (else it has none).
 */
export function trueup(args: readonly string[], env: NodeJS.ProcessEnv = process.env, options: { cwd?: string; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env, ...(options.cwd === undefined ? {} : { cwd: options.cwd }) });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin?.end(options.input);
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `trueup` with these variables set over this process's environment. */
export function trueupWith(vars: Record<string, string>, args: readonly string[], options: { cwd?: string; input?: string } = {}): Promise<CliResult> {
  return trueup(args, { ...process.env, ...vars }, options);
}

/** `trueup` that talks to no hub unless its flags name one: TRUEUP_HUB and TRUEUP_TOKEN are cleared. */
export function trueupOffline(args: readonly string[], options: { cwd?: string; input?: string } = {}): Promise<CliResult> {
  return trueupWith({ TRUEUP_HUB: '', TRUEUP_TOKEN: '' }, args, options);
}

/**
 * `trueup args…` left running (a hub, an agent), its standard error kept for `output()`;
 * stopped with SIGTERM (after SIGCONT, should a test have stopped it) by `defer`.
 */
export function daemon(defer: (fn: () => unknown) => void, args: readonly string[]): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  defer(async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    await exited;
  });
  return Object.assign(child, { output: () => output });
}

/** `trueup` that reaches a hub only through the flags given: TRUEUP_HUB of the environment is cleared. */
export function trueupWithoutHubEnv(args: readonly string[]): Promise<CliResult> {
  return trueup(args, { ...process.env, TRUEUP_HUB: '' });
}

export { eventually } from '@trueup/testkit/eventually';
