/** For tests of joined runners: a real hub (TLS), `trueup runner` processes, the CLI, and waiting. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { HubClient, startHub, type HubOptions, type RunningHub } from '@trueup/hub';

export const MAIN = join(import.meta.dirname, 'main.js');

export interface RunView {
  id: string;
  status: string;
  conclusion: string | null;
  sha: string;
  jobs: { key: string; status: string; conclusion: string | null; runner: string | null; attempt: number; note: string | null; steps: { id: string; name: string; conclusion: string | null }[] }[];
}

export interface HubSetup {
  dir: string;
  hub: RunningHub;
  client: HubClient;
  hubArgs: string[];
}

export async function hubForRunners(t: TestContext, options: Partial<HubOptions> = {}): Promise<HubSetup> {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-runner-'));
  const hub = await startHub({ dataDir: join(dir, 'hub'), listen: '127.0.0.1:0', log: () => undefined, runnerLeaseMs: 3000, pipelinePollMs: 3_600_000, ...options });
  t.after(async () => {
    await hub.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const adminToken = (await readFile(hub.info.adminTokenFile, 'utf8')).trim();
  return { dir, hub, client: new HubClient({ url: hub.url, token: adminToken, ca: hub.tls.ca }), hubArgs: ['--data-dir', join(dir, 'hub')] };
}

export async function startRunner(t: TestContext, dir: string, name: string, labels: string): Promise<ChildProcess & { output: () => string }> {
  const made = await trueup(['runner', 'token', 'create', '--ttl', '10m', '--data-dir', join(dir, 'hub')]);
  assert.equal(made.code, 0, made.stderr);
  const tokenFile = join(dir, `${name}.token`);
  await writeFile(tokenFile, made.stdout, { mode: 0o600 });
  const child = spawn(process.execPath, [MAIN, 'runner', '--join', tokenFile, '--labels', labels, '--work-dir', join(dir, name), '--name', name], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  });
  await eventually(`${name} linked`, async () => (output.includes('linked to') ? true : undefined), 90_000, () => output);
  return Object.assign(child, { output: () => output });
}

export function trueup(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
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

export const finished = (client: HubClient, id: string): Promise<RunView> => eventually(`run ${id} to finish`, async () => {
  const run = await client.get<RunView>(`/api/v1/runs/${id}`);
  return run.status === 'completed' ? run : undefined;
}, 120_000);

/** Dispatches a workflow through the CLI; returns the run's id. */
export async function dispatch(setup: HubSetup, repoDir: string, workflow: string, inputs: string[] = []): Promise<string> {
  const dispatched = await trueup(['runs', 'dispatch', repoDir, '--workflow', workflow, '--ref', 'main', '-o', 'json', ...inputs.flatMap((i) => ['--input', i]), ...setup.hubArgs]);
  assert.equal(dispatched.code, 0, dispatched.stderr);
  return (JSON.parse(dispatched.stdout) as { id: string }).id;
}
