/**
 * The test environment's folder and its record, DIR/testenv.json: what runs (pids), where
 * (ports, server URL) and from which binaries. The record is rewritten after every component
 * starts, so `stopKubeTestEnv` also stops a start that failed half-way.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isRunning, rssKiB, stopComponent, type ComponentProcess } from './kube-testenv-processes.ts';
import type { Tokens } from './kube-testenv-pki.ts';

export interface KubeTestEnvState {
  phase: 'starting' | 'ready' | 'failed' | 'stopped';
  dir: string;
  binDir: string;
  /** `https://127.0.0.1:PORT` once the API server was started. */
  server?: string;
  ports: { etcdClient?: number; etcdPeer?: number; apiserver?: number };
  tokens: Tokens;
  /** The API server's certificate chain (leaf, then CA): the clients' CA bundle. */
  caFile: string;
  kubeconfig: string;
  restrictedKubeconfig: string;
  /** The fake Node kwok keeps Ready. */
  nodeName: string;
  /** In start order; stopped in reverse. */
  components: ComponentProcess[];
  /** Stops the environment when the process that owns it is gone (test runs only). */
  watchdog?: ComponentProcess;
  startedAt: string;
  readySeconds?: number;
  error?: string;
}

export function testEnvPaths(dir: string) {
  return {
    state: join(dir, 'testenv.json'),
    kubeconfig: join(dir, 'kubeconfig'),
    restrictedKubeconfig: join(dir, 'kubeconfig-restricted'),
    pki: join(dir, 'pki'),
    etcdData: join(dir, 'etcd'),
    logs: join(dir, 'logs'),
    log: (component: string) => join(dir, 'logs', `${component}.log`),
  };
}

export async function readState(dir: string): Promise<KubeTestEnvState | undefined> {
  try {
    return JSON.parse(await readFile(testEnvPaths(dir).state, 'utf8')) as KubeTestEnvState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Atomic: readers never see half a record. */
export async function writeState(state: KubeTestEnvState): Promise<void> {
  const file = testEnvPaths(state.dir).state;
  await writeFile(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

/** Names of the components that should run but do not. */
export function deadComponents(state: KubeTestEnvState): string[] {
  return state.components.filter((c) => !isRunning(c)).map((c) => c.name);
}

/**
 * Stops every component in reverse start order (SIGTERM, up to `graceMs`, then SIGKILL).
 * Idempotent: a folder without a record or with nothing running is fine.
 */
export async function stopKubeTestEnv(dir: string, options: { graceMs?: number } = {}): Promise<boolean> {
  const state = await readState(dir);
  if (state === undefined) return false;
  const wasRunning = state.components.some((c) => isRunning(c));
  for (const component of [...state.components].reverse()) await stopComponent(component, options.graceMs);
  if (state.phase !== 'stopped') await writeState({ ...state, phase: 'stopped' }).catch(ignoreMissingDir);
  // The watchdog has nothing left to watch (unless it is the one stopping).
  if (state.watchdog !== undefined && state.watchdog.pid !== process.pid) await stopComponent(state.watchdog, 2_000);
  return wasRunning;
}

function ignoreMissingDir(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}

export interface ComponentStatus {
  name: string;
  pid: number;
  running: boolean;
  rssMiB?: number;
  log: string;
}

export function componentStatus(state: KubeTestEnvState): ComponentStatus[] {
  return state.components.map((c) => {
    const running = isRunning(c);
    const rss = running ? rssKiB(c.pid) : undefined;
    return { name: c.name, pid: c.pid, running, ...(rss === undefined ? {} : { rssMiB: Math.round(rss / 1024) }), log: c.log };
  });
}
