/** Helpers for the host provider's tests: temporary roots, objects with schema defaults, waiting. Used by tests only. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HOST_API_VERSION,
  HOST_KIND_SCHEMAS,
  keyId,
  keyOf,
  type ApplyReason,
  type DesiredObject,
  type HostKind,
  type LiveObject,
  type Provider,
} from '@trueup/api';
import { createHostProvider } from './host-provider.ts';
import type { CrashChildConfig } from './crash-child.ts';
import { groupExists, readProcStat, signalGroup } from './proc-stat.ts';

export { freePort } from '@trueup/testkit/free-port';

/** A desired host object whose spec went through the kind's schema (defaults applied), as render gives it. */
export function hostObject(kind: HostKind, name: string, spec: Record<string, unknown>): DesiredObject {
  const parsed = HOST_KIND_SCHEMAS[kind].parse(spec) as Record<string, unknown>;
  const manifest = { apiVersion: HOST_API_VERSION, kind, metadata: { name }, spec: parsed };
  return { key: keyOf(manifest), manifest, origin: { file: 'hosts/app.yaml', line: 1 } };
}

export interface Sandbox {
  /** The destination root (real path). */
  root: string;
  stateDir: string;
  /** A directory outside the root, standing in for /etc in escape tests. */
  outside: string;
  provider: Provider;
  /** Another provider on the same root and state (an agent restart). */
  reopen(): Provider;
  cleanup(): Promise<void>;
}

export async function sandbox(application = 'app'): Promise<Sandbox> {
  const base = await realpath(await mkdtemp(join(tmpdir(), 'trueup-host-')));
  const root = join(base, 'root');
  const stateDir = join(base, 'state');
  const outside = join(base, 'outside');
  await Promise.all([mkdir(root), mkdir(stateDir), mkdir(outside)]);
  const providers: Provider[] = [];
  const reopen = (): Provider => {
    const provider = createHostProvider({ root, stateDir, application });
    providers.push(provider);
    return provider;
  };
  return {
    root,
    stateDir,
    outside,
    provider: reopen(),
    reopen,
    async cleanup() {
      for (const provider of providers) await provider.close();
      await rm(base, { recursive: true, force: true });
    },
  };
}

export async function observe(provider: Provider, desired: DesiredObject): Promise<LiveObject> {
  const [live] = await provider.observe([desired.key], new Map([[keyId(desired.key), desired]]));
  if (live === undefined) throw new Error('observe returned nothing');
  return live;
}

/** Observes, then applies with the reason the engine would give (or the one given). */
export async function apply(provider: Provider, desired: DesiredObject, reason?: ApplyReason): Promise<LiveObject> {
  const live = await observe(provider, desired);
  await provider.apply({ desired, live, reason: reason ?? (live.manifest === undefined ? 'create' : 'update') });
  return observe(provider, desired);
}

export async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Kills process groups a test started, whatever state they are in. */
export function killGroups(pids: Iterable<number | undefined>): void {
  for (const pid of pids) if (pid !== undefined && groupExists(pid)) signalGroup(pid, 'SIGKILL');
}

/** The node binary running the tests, for `node -e` services. */
export const NODE = process.execPath;

/** Runs crash-child.ts (a provider in its own process, for real SIGKILLs); resolves with how it ended. */
export function providerProcess(config: CrashChildConfig): { child: ChildProcess; ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(NODE, [join(import.meta.dirname, 'crash-child.ts'), JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit'] });
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, ended };
}

/** SIGKILLs processes a test started (found by processesWith), each with its process group. */
export async function killProcesses(pids: Iterable<number>): Promise<void> {
  const own = (await readProcStat(process.pid))?.pgrp;
  for (const pid of pids) {
    const stat = await readProcStat(pid);
    if (stat !== undefined && stat.pgrp !== own) signalGroup(stat.pgrp, 'SIGKILL');
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Pids of the live processes whose command line holds `token` (zombies excluded). */
export async function processesWith(token: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const stat = await readProcStat(Number(entry));
    if (cmdline.includes(token) && stat !== undefined && stat.state !== 'Z') pids.push(Number(entry));
  }
  return pids;
}
