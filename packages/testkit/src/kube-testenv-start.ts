/**
 * Starts the Kubernetes test environment in a folder: etcd, kube-apiserver, then
 * kube-controller-manager, kube-scheduler and kwok with a fake Node, each detached with its log
 * in DIR/logs. Returns once the API server is ready, the `default` ServiceAccount exists and the
 * Node is Ready. On failure everything started is stopped and the error carries the tail of the
 * failing component's log.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  apiserverArgs, controllerManagerArgs, etcdArgs, fakeNode, FAKE_NODE_NAME, kwokArgs, kwokStagesFile, nodeIsReady, schedulerArgs,
} from './kube-testenv-components.ts';
import { httpGet, kubeCall, kubeRequest, waitUntil, type KubeCredentials } from './kube-testenv-http.ts';
import { ADMIN_USER, kubeconfigYaml, RESTRICTED_USER, writePki, type PkiFiles } from './kube-testenv-pki.ts';
import { freePort } from './free-port.ts';
import {
  failedOnPortClash, isRunning, logTail, spawnComponent, stopComponent, type ComponentProcess, type Started,
} from './kube-testenv-processes.ts';
import { testEnvPaths, writeState, type KubeTestEnvState } from './kube-testenv-state.ts';

export interface StartKubeTestEnvOptions {
  /** Folder of the built binaries (kubeToolsBin()). */
  binDir: string;
  /** Progress lines, for a command line. */
  onProgress?: (line: string) => void;
  /**
   * For test runs: a watchdog process stops the environment once process `pid` is gone (and
   * removes the folder when `removeDir`), so a killed test run leaves nothing behind.
   */
  owner?: { pid: number; removeDir: boolean };
}

/** A component failed to start; `log` is the tail of its log. */
export class KubeTestEnvStartError extends Error {
  readonly component: string;
  readonly log: string;
  constructor(component: string, message: string, log: string) {
    super(`${component}: ${message}${log === '' ? '' : `\n--- last lines of ${component}'s log ---\n${log}`}`);
    this.name = 'KubeTestEnvStartError';
    this.component = component;
    this.log = log;
  }
}

const PORT_ATTEMPTS = 4;
const WATCHDOG = join(dirname(fileURLToPath(import.meta.url)), 'kube-testenv-watchdog.ts');

export async function startKubeTestEnv(dirArg: string, options: StartKubeTestEnvOptions): Promise<KubeTestEnvState> {
  const started = Date.now();
  const dir = resolve(dirArg);
  const paths = testEnvPaths(dir);
  const progress = options.onProgress ?? (() => undefined);
  const bin = (name: string) => join(options.binDir, name);
  for (const name of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok']) {
    if (!existsSync(bin(name))) throw new Error(`${bin(name)} is missing: build the tools with tools/kube-testenv/build.sh`);
  }
  const stages = kwokStagesFile(options.binDir);
  if (!existsSync(stages)) throw new Error(`${stages} is missing: build the tools with tools/kube-testenv/build.sh`);

  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const old of [paths.state, paths.kubeconfig, paths.restrictedKubeconfig, paths.pki, paths.etcdData, paths.logs]) {
    await rm(old, { recursive: true, force: true });
  }
  await mkdir(paths.pki, { mode: 0o700 });
  await mkdir(paths.logs);
  const pki = await writePki(paths.pki);
  const state: KubeTestEnvState = {
    phase: 'starting',
    dir,
    binDir: options.binDir,
    ports: {},
    tokens: pki.tokens,
    caFile: pki.caFile,
    kubeconfig: paths.kubeconfig,
    restrictedKubeconfig: paths.restrictedKubeconfig,
    nodeName: FAKE_NODE_NAME,
    components: [],
    startedAt: new Date(started).toISOString(),
  };
  await writeState(state);
  const running: Started[] = [];
  const record = async (p: Started) => {
    running.push(p);
    state.components.push(component(p));
    await writeState(state);
  };
  /** The first component that exited, with the reason: waiting for anything else is pointless. */
  const anyExited = (): { name: string; reason: string } | undefined => {
    for (const p of running) {
      const reason = p.exited();
      if (reason !== undefined) return { name: p.name, reason };
    }
    return undefined;
  };

  try {
    if (options.owner !== undefined) {
      const { pid, removeDir } = options.owner;
      const watchdog = spawnComponent('watchdog', process.execPath, [WATCHDOG, dir, String(pid), removeDir ? '--remove' : '--keep'], { log: paths.log('watchdog') });
      state.watchdog = component(watchdog);
      await writeState(state);
    }

    // etcd
    const etcd = await withPortRetries('etcd', async () => {
      const clientPort = await freePort();
      let peerPort = await freePort();
      while (peerPort === clientPort) peerPort = await freePort();
      await rm(paths.etcdData, { recursive: true, force: true });
      const p = spawnComponent('etcd', bin('etcd'), etcdArgs({ dataDir: paths.etcdData, clientPort, peerPort }), { log: paths.log('etcd') });
      const url = `http://127.0.0.1:${clientPort}/health`;
      return {
        p,
        ready: () => waitUntil('etcd /health', async () => {
          const res = await httpGet(url);
          return res?.status === 200 && /"health":\s*"true"/.test(res.text) ? true : undefined;
        }, { timeoutMs: 30_000, abort: () => p.exited() }),
        ports: { etcdClient: clientPort, etcdPeer: peerPort },
      };
    });
    Object.assign(state.ports, etcd.ports);
    await record(etcd.p);
    progress(`etcd ready on 127.0.0.1:${etcd.ports.etcdClient} (${seconds(started)} s)`);

    // kube-apiserver
    const apiserver = await withPortRetries('kube-apiserver', async () => {
      const port = await freePort();
      const server = `https://127.0.0.1:${port}`;
      const p = spawnComponent('kube-apiserver', bin('kube-apiserver'), apiserverArgs({ etcdPort: etcd.ports.etcdClient, port, certDir: paths.pki, pki }), { log: paths.log('kube-apiserver') });
      return {
        p,
        ready: async () => {
          const abort = () => p.exited() ?? (isRunning(etcd.p) ? undefined : 'etcd is gone');
          // The server writes its certificate (leaf + CA) into cert-dir before it listens.
          const admin = await waitUntil('kube-apiserver /readyz', async () => {
            if (!existsSync(pki.caFile)) return undefined;
            const creds: KubeCredentials = { server, token: pki.tokens.admin, ca: await readFile(pki.caFile, 'utf8') };
            const res = await kubeRequest(creds, 'GET', '/readyz', undefined, { timeoutMs: 5_000 });
            if (res.status !== 200) throw new Error(`/readyz answered ${res.status}: ${res.text.slice(-300)}`);
            return creds;
          }, { timeoutMs: 180_000, intervalMs: 200, abort });
          await waitUntil('GET /api/v1/namespaces/default', async () => {
            const res = await kubeRequest(admin, 'GET', '/api/v1/namespaces/default');
            return res.status === 200 ? true : undefined;
          }, { timeoutMs: 60_000, intervalMs: 100, abort });
          return admin;
        },
        ports: { apiserver: port },
      };
    });
    const admin = apiserver.value;
    state.ports.apiserver = apiserver.ports.apiserver;
    state.server = admin.server;
    await record(apiserver.p);
    progress(`kube-apiserver ready at ${admin.server} (${seconds(started)} s)`);

    await writeKubeconfigs(paths, admin, pki);
    await kubeCall(admin, 'POST', '/api/v1/nodes', fakeNode());

    // The controllers, each a client of the API server.
    const clientEnv = { ...process.env, HOME: dir };
    await record(spawnComponent('kube-controller-manager', bin('kube-controller-manager'), controllerManagerArgs({ kubeconfig: paths.kubeconfig, pki }), { log: paths.log('kube-controller-manager') }));
    await record(spawnComponent('kube-scheduler', bin('kube-scheduler'), schedulerArgs({ kubeconfig: paths.kubeconfig }), { log: paths.log('kube-scheduler') }));
    await record(spawnComponent('kwok', bin('kwok'), kwokArgs({ kubeconfig: paths.kubeconfig, stages }), { log: paths.log('kwok'), env: clientEnv, cwd: dir }));
    const abort = () => {
      const exited = anyExited();
      return exited === undefined ? undefined : `${exited.name} ${exited.reason}`;
    };
    await Promise.all([
      waitUntil('the default ServiceAccount', async () => {
        const res = await kubeRequest(admin, 'GET', '/api/v1/namespaces/default/serviceaccounts/default');
        return res.status === 200 ? true : undefined;
      }, { timeoutMs: 90_000, intervalMs: 150, abort }),
      waitUntil(`Node ${FAKE_NODE_NAME} Ready`, async () => {
        const res = await kubeRequest(admin, 'GET', `/api/v1/nodes/${FAKE_NODE_NAME}`);
        return res.status === 200 && nodeIsReady(res.body) ? true : undefined;
      }, { timeoutMs: 90_000, intervalMs: 150, abort }),
    ]);
    state.phase = 'ready';
    state.readySeconds = Number(seconds(started));
    await writeState(state);
    progress(`ready in ${state.readySeconds} s`);
    return state;
  } catch (error) {
    const failed = failedComponent(error, anyExited()?.name);
    state.phase = 'failed';
    state.error = (error as Error).message;
    await writeState(state).catch(() => undefined);
    for (const p of [...running].reverse()) await stopComponent(p, 5_000);
    if (error instanceof KubeTestEnvStartError) throw error;
    const log = failed === undefined ? '' : await logTail(paths.log(failed));
    throw new KubeTestEnvStartError(failed ?? 'kube-testenv', (error as Error).message, log);
  }
}

export function component(p: Started): ComponentProcess {
  return { name: p.name, pid: p.pid, bin: p.bin, ...(p.args === undefined ? {} : { args: p.args }), startTime: p.startTime, log: p.log };
}

function seconds(since: number): string {
  return ((Date.now() - since) / 1000).toFixed(1);
}

function failedComponent(error: unknown, exited: string | undefined): string | undefined {
  if (exited !== undefined) return exited;
  const match = /^(etcd|kube-apiserver|kube-controller-manager|kube-scheduler|kwok|the default ServiceAccount|Node )/.exec((error as Error).message);
  if (match?.[1] === 'the default ServiceAccount') return 'kube-controller-manager';
  if (match?.[1] === 'Node ') return 'kwok';
  return match?.[1];
}

/**
 * Starts a component on fresh free ports and waits for it; when it dies because a port was
 * taken meanwhile (the free-port race), tries again with new ports.
 */
async function withPortRetries<P, R>(
  name: string,
  attempt: () => Promise<{ p: Started; ready: () => Promise<R>; ports: P }>,
): Promise<{ p: Started; ports: P; value: R }> {
  for (let i = 1; ; i += 1) {
    const { p, ready, ports } = await attempt();
    try {
      return { p, ports, value: await ready() };
    } catch (error) {
      await stopComponent(p, 5_000);
      if (i < PORT_ATTEMPTS && p.exited() !== undefined && await failedOnPortClash(p)) continue;
      throw new KubeTestEnvStartError(name, (error as Error).message, await logTail(p.log));
    }
  }
}

async function writeKubeconfigs(paths: ReturnType<typeof testEnvPaths>, admin: KubeCredentials, pki: PkiFiles): Promise<void> {
  await writeFile(paths.kubeconfig, kubeconfigYaml({ server: admin.server, ca: admin.ca, user: ADMIN_USER, token: pki.tokens.admin }), { mode: 0o600 });
  await writeFile(paths.restrictedKubeconfig, kubeconfigYaml({ server: admin.server, ca: admin.ca, user: RESTRICTED_USER, token: pki.tokens.restricted }), { mode: 0o600 });
}
