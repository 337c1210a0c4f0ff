/**
 * A real Kubernetes control plane for tests (etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler and kwok with a fake Node), one for a whole test run:
 *
 * - `TRUEUP_KUBE_TESTENV=DIR` names an environment started with `npm run testenv -- up DIR`:
 *   tests use it and never stop it.
 * - `npm test` (kube-testenv-global-setup.ts) points it at an empty folder marked on-demand: the
 *   first test that asks starts the environment there, every other test file waits for that one,
 *   and the run's teardown stops it. Runs that need no cluster pay nothing.
 * - Otherwise (a test file run alone) the test process starts its own, stopped when it exits.
 *
 * Without the built tools the test is skipped, or fails under CI=true.
 */
import { existsSync } from 'node:fs';
import { link, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { randomBytes } from 'node:crypto';
import { kubeCall, kubeRequest, waitUntil, type KubeCredentials } from './kube-testenv-http.ts';
import { killNow, processAlive, sleep } from './kube-testenv-processes.ts';
import { startKubeTestEnv } from './kube-testenv-start.ts';
import { deadComponents, readState, type KubeTestEnvState } from './kube-testenv-state.ts';
import { requireKubeTools } from './kube-tools.ts';

export { kubeCall, kubeRequest, type KubeCredentials, type KubeResponse } from './kube-testenv-http.ts';
export { KubeTestEnvStartError, startKubeTestEnv, type StartKubeTestEnvOptions } from './kube-testenv-start.ts';
export { restartKubeTestEnvComponent, startKubeTestEnvComponent, stopKubeTestEnvComponent } from './kube-testenv-restart.ts';
export { componentStatus, readState as readKubeTestEnvState, stopKubeTestEnv, type KubeTestEnvState } from './kube-testenv-state.ts';

/** Names the folder of the run's environment (running, or on-demand). */
export const KUBE_TESTENV_VAR = 'TRUEUP_KUBE_TESTENV';
/** In an on-demand folder: `{ "ownerPid": N }`, the test runner that stops it at the end. */
export const ON_DEMAND_FILE = 'on-demand.json';
const START_LOCK = 'start.lock';
const START_FAILED = 'start-failed.txt';

export interface KubeTestEnv extends KubeCredentials {
  /** The environment's folder (testenv.json, logs/). */
  dir: string;
  /** Path of a kubeconfig for the admin user (system:masters). */
  kubeconfig: string;
  /** Path of a kubeconfig for the restricted user (no role bound). */
  restrictedKubeconfig: string;
  restrictedToken: string;
  /** The folder of the tools' binaries (kubectl is not among them). */
  binDir: string;
  /** The fake Node, Ready, where every pod lands. */
  nodeName: string;
}

let shared: Promise<KubeTestEnv> | undefined;

/**
 * The run's shared test environment; undefined when the test was skipped because the tools are
 * not built (under CI=true that throws instead).
 */
export async function kubeTestEnv(t: TestContext): Promise<KubeTestEnv | undefined> {
  const named = process.env[KUBE_TESTENV_VAR];
  if (named !== undefined && named !== '') {
    const dir = resolve(named);
    if (!existsSync(join(dir, ON_DEMAND_FILE))) {
      shared ??= useRunning(dir);
      return shared;
    }
  }
  const binDir = requireKubeTools(t);
  if (binDir === undefined) return undefined;
  shared ??= named !== undefined && named !== '' ? onDemand(resolve(named), binDir) : inProcess(binDir);
  return shared;
}

function toEnv(state: KubeTestEnvState, ca: string): KubeTestEnv {
  if (state.server === undefined) throw new Error(`${state.dir}: the test environment has no server`);
  return {
    dir: state.dir,
    server: state.server,
    token: state.tokens.admin,
    ca,
    kubeconfig: state.kubeconfig,
    restrictedKubeconfig: state.restrictedKubeconfig,
    restrictedToken: state.tokens.restricted,
    binDir: state.binDir,
    nodeName: state.nodeName,
  };
}

/** An environment someone else started and stops: check that it runs, never stop it. */
async function useRunning(dir: string): Promise<KubeTestEnv> {
  const state = await readState(dir);
  const hint = `start one with: npm run testenv -- up ${dir}`;
  if (state === undefined) throw new Error(`${KUBE_TESTENV_VAR}=${dir}: no test environment there (${hint})`);
  if (state.phase !== 'ready') throw new Error(`${KUBE_TESTENV_VAR}=${dir}: the test environment is ${state.phase} (${hint})`);
  const dead = deadComponents(state);
  if (dead.length > 0) throw new Error(`${KUBE_TESTENV_VAR}=${dir}: not running: ${dead.join(', ')} (see ${join(dir, 'logs')}; ${hint})`);
  return toEnv(state, await readFile(state.caFile, 'utf8'));
}

/** The first caller in the run starts it (holding start.lock); the others wait for it. */
async function onDemand(dir: string, binDir: string): Promise<KubeTestEnv> {
  const { ownerPid } = JSON.parse(await readFile(join(dir, ON_DEMAND_FILE), 'utf8')) as { ownerPid: number };
  if (!await takeStartLock(dir)) return waitForStarter(dir);
  try {
    const state = await startKubeTestEnv(dir, { binDir, owner: { pid: ownerPid, removeDir: true } });
    return toEnv(state, await readFile(state.caFile, 'utf8'));
  } catch (error) {
    await writeFile(join(dir, START_FAILED), (error as Error).message);
    throw error;
  }
}

/**
 * True when this process now holds start.lock. The lock appears whole, with the holder's pid in
 * it: written aside first, then hard-linked into place (a link fails if the lock exists).
 */
async function takeStartLock(dir: string): Promise<boolean> {
  const aside = join(dir, `${START_LOCK}.${process.pid}`);
  await writeFile(aside, JSON.stringify({ pid: process.pid }));
  try {
    await link(aside, join(dir, START_LOCK));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(aside, { force: true });
  }
}

async function waitForStarter(dir: string): Promise<KubeTestEnv> {
  const starter = (JSON.parse(await readFile(join(dir, START_LOCK), 'utf8')) as { pid: number }).pid;
  const deadline = Date.now() + 280_000;
  for (;;) {
    if (existsSync(join(dir, START_FAILED))) {
      throw new Error(`the Kubernetes test environment did not start: ${await readFile(join(dir, START_FAILED), 'utf8')}`);
    }
    const state = await readState(dir).catch(() => undefined);
    if (state?.phase === 'ready') return toEnv(state, await readFile(state.caFile, 'utf8'));
    if (!processAlive(starter)) {
      throw new Error(`the Kubernetes test environment did not start: the process starting it (pid ${starter}) ended`);
    }
    if (Date.now() > deadline) throw new Error(`the Kubernetes test environment in ${dir} was not ready within 280 s`);
    await sleep(200);
  }
}

/** Started by and for this process alone; stopped when it exits. */
async function inProcess(binDir: string): Promise<KubeTestEnv> {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-kube-'));
  const state = await startKubeTestEnv(dir, { binDir, owner: { pid: process.pid, removeDir: true } });
  // SIGTERM at once on exit; the watchdog finishes the job (SIGKILL if needed, removes the folder).
  process.once('exit', () => { for (const c of [...state.components].reverse()) killNow(c); });
  return toEnv(state, await readFile(state.caFile, 'utf8'));
}

/**
 * A fresh namespace for test `t` (a name derived from the test's, unique), with its `default`
 * ServiceAccount in place so pods are admitted at once. Deleted after the test, without waiting
 * for the deletion to finish.
 */
export async function kubeNamespace(
  env: KubeCredentials,
  t: { name: string; after: (fn: () => Promise<void>) => void },
  options: { labels?: Record<string, string> } = {},
): Promise<string> {
  const base = t.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48).replace(/-+$/, '');
  const name = `${base === '' ? 'test' : base}-${randomBytes(4).toString('hex')}`;
  await kubeCall(env, 'POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'trueup.dev/test': 'true', ...options.labels } },
  });
  t.after(async () => {
    await kubeRequest(env, 'DELETE', `/api/v1/namespaces/${name}`).catch(() => undefined);
  });
  await waitUntil(`ServiceAccount ${name}/default`, async () => {
    const res = await kubeRequest(env, 'GET', `/api/v1/namespaces/${name}/serviceaccounts/default`);
    return res.status === 200 ? true : undefined;
  }, { timeoutMs: 30_000, intervalMs: 50 });
  return name;
}
