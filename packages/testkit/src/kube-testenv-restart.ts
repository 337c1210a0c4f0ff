/**
 * Stopping and starting one component of a running test environment, for tests of what clients
 * do when, say, the API server goes away and comes back. The component starts again with the
 * command line recorded when the environment started (same ports, same certificates, same etcd
 * data), and the record in DIR/testenv.json follows its new pid.
 *
 * Only for an environment of the test's own (`startKubeTestEnv` in a temporary folder): never for
 * the run's shared one, which other test files use at the same time.
 */
import { readFile } from 'node:fs/promises';
import { httpGet, kubeRequest, waitUntil } from './kube-testenv-http.ts';
import { isRunning, spawnComponent, stopComponent, type ComponentProcess } from './kube-testenv-processes.ts';
import { component } from './kube-testenv-start.ts';
import { readState, writeState, type KubeTestEnvState } from './kube-testenv-state.ts';

/** The components started with the launcher's own environment and folder: the ones that can start again as they were. */
const RESTARTABLE = new Set(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']);

/** Stops one component (SIGTERM, then SIGKILL after `graceMs`); resolves once it is gone. */
export async function stopKubeTestEnvComponent(dir: string, name: string, options: { graceMs?: number } = {}): Promise<void> {
  const { record } = await find(dir, name);
  await stopComponent(record, options.graceMs);
}

/**
 * Starts a stopped component again with its recorded command line and waits until it serves
 * (etcd: /health; kube-apiserver: /readyz); a running one is left alone.
 */
export async function startKubeTestEnvComponent(dir: string, name: string, options: { timeoutMs?: number } = {}): Promise<void> {
  const { state, record, index } = await find(dir, name);
  if (isRunning(record)) return;
  if (record.args === undefined) throw new Error(`${name} in ${dir} was started without a recorded command line: start the environment again`);
  const started = spawnComponent(name, record.bin, record.args, { log: record.log });
  state.components[index] = component(started);
  await writeState(state);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const abort = () => started.exited();
  if (name === 'kube-apiserver') {
    if (state.server === undefined) throw new Error(`${dir}: the test environment has no server`);
    const creds = { server: state.server, token: state.tokens.admin, ca: await readFile(state.caFile, 'utf8') };
    await waitUntil('kube-apiserver /readyz after a restart', async () => {
      const res = await kubeRequest(creds, 'GET', '/readyz', undefined, { timeoutMs: 5_000 });
      return res.status === 200 ? true : undefined;
    }, { timeoutMs, intervalMs: 100, abort });
  } else if (name === 'etcd') {
    const url = `http://127.0.0.1:${state.ports.etcdClient ?? 0}/health`;
    await waitUntil('etcd /health after a restart', async () => ((await httpGet(url))?.status === 200 ? true : undefined), { timeoutMs, abort });
  }
}

/** Stops one component and starts it again the same way. */
export async function restartKubeTestEnvComponent(dir: string, name: string, options: { graceMs?: number; timeoutMs?: number } = {}): Promise<void> {
  await stopKubeTestEnvComponent(dir, name, options.graceMs === undefined ? {} : { graceMs: options.graceMs });
  await startKubeTestEnvComponent(dir, name, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs });
}

async function find(dir: string, name: string): Promise<{ state: KubeTestEnvState; record: ComponentProcess; index: number }> {
  if (!RESTARTABLE.has(name)) throw new Error(`${name}: only ${[...RESTARTABLE].join(', ')} can be stopped and started on their own`);
  const state = await readState(dir);
  if (state === undefined) throw new Error(`${dir}: no test environment there`);
  const index = state.components.findIndex((c) => c.name === name);
  const record = state.components[index];
  if (record === undefined) throw new Error(`${dir}: the test environment has no ${name}`);
  return { state, record, index };
}
