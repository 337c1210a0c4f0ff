/**
 * The Kubernetes benchmarks' cluster: a test environment of their own (etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler and kwok, on this machine), requests to it, a watch
 * the benchmark reads itself, and the CPU time and request counts of its processes.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { kubeCall, kubeRequest, kubeToolsBin, startKubeTestEnv, stopKubeTestEnv, type KubeCredentials, type KubeTestEnvState } from '@trueup/testkit';
import type { BenchContext } from './context.ts';

export interface BenchKube {
  dir: string;
  creds: KubeCredentials;
  /** The admin kubeconfig the Applications name. */
  kubeconfig: string;
  state: KubeTestEnvState;
  /** Seconds from start to ready. */
  readySeconds: number;
  call(method: string, path: string, body?: unknown, options?: { contentType?: string }): Promise<unknown>;
  /** GET; undefined on 404. */
  get(path: string): Promise<Record<string, unknown> | undefined>;
  pid(component: string): number | undefined;
  stop(): Promise<void>;
}

/** Starts a test environment in `dir` (its own folder), stopped by `stop()` or when this process dies. */
export async function startBenchKube(ctx: BenchContext, dir: string): Promise<BenchKube> {
  const binDir = kubeToolsBin();
  if (binDir === undefined) throw new Error('the Kubernetes test tools are not built (bash tools/kube-testenv/build.sh)');
  const state = await startKubeTestEnv(dir, { binDir, owner: { pid: process.pid, removeDir: false }, onProgress: (line) => ctx.log(`kube env: ${line}`) });
  if (state.server === undefined) throw new Error('the test environment has no server');
  const creds: KubeCredentials = { server: state.server, token: state.tokens.admin, ca: await readFile(state.caFile, 'utf8') };
  let stopped = false;
  return {
    dir, creds, state,
    kubeconfig: state.kubeconfig,
    readySeconds: state.readySeconds ?? 0,
    call: (method, path, body, options) => kubeCall(creds, method, path, body, options),
    async get(path) {
      const res = await kubeRequest(creds, 'GET', path);
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status}: ${res.text.slice(0, 300)}`);
      return res.body as Record<string, unknown>;
    },
    pid: (component) => state.components.find((c) => c.name === component)?.pid,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopKubeTestEnv(dir, { graceMs: 10_000 });
    },
  };
}

export interface WatchedObject {
  type: string;
  /** performance.now() when the event's line was read. */
  at: number;
  object: { metadata: { name: string; resourceVersion?: string; generation?: number }; data?: Record<string, string>; spec?: Record<string, unknown>; status?: Record<string, unknown> };
}

/**
 * A watch the benchmark holds itself on a collection (after a list, from its resourceVersion):
 * every event is stamped with the time its line was read, and handed to the waiters.
 */
export class CollectionWatch {
  readonly #waiters = new Set<{ match: (event: WatchedObject) => boolean; resolve: (event: WatchedObject) => void }>();
  #close: () => void = () => undefined;
  events = 0;

  static async open(kube: BenchKube, collection: string): Promise<CollectionWatch> {
    const watch = new CollectionWatch();
    const list = await kube.call('GET', collection) as { metadata?: { resourceVersion?: string } };
    await watch.#start(kube.creds, collection, list.metadata?.resourceVersion ?? '');
    return watch;
  }

  /** The next event matching `match`; rejects after `timeoutMs`. */
  next(match: (event: WatchedObject) => boolean, timeoutMs: number): Promise<WatchedObject> {
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve: (event: WatchedObject) => (clearTimeout(timer), resolve(event)) };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`no matching watch event within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  close(): void {
    this.#close();
  }

  #start(creds: KubeCredentials, collection: string, resourceVersion: string): Promise<void> {
    const url = new URL(collection, creds.server);
    url.searchParams.set('watch', 'true');
    url.searchParams.set('resourceVersion', resourceVersion);
    url.searchParams.set('timeoutSeconds', '3600');
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'GET', ca: creds.ca, agent: false, headers: { Authorization: `Bearer ${creds.token}`, Accept: 'application/json' } }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`watch ${collection}: HTTP ${res.statusCode}`));
          res.resume();
          return;
        }
        let buffered = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const at = performance.now();
          buffered += chunk;
          for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
            const line = buffered.slice(0, newline);
            buffered = buffered.slice(newline + 1);
            if (line.trim() === '') continue;
            const parsed = JSON.parse(line) as { type: string; object: WatchedObject['object'] };
            const event: WatchedObject = { type: parsed.type, at, object: parsed.object };
            this.events++;
            for (const waiter of this.#waiters) {
              if (!waiter.match(event)) continue;
              this.#waiters.delete(waiter);
              waiter.resolve(event);
            }
          }
        });
        res.on('error', () => undefined);
        this.#close = () => res.destroy();
        resolve();
      });
      req.on('error', reject);
      req.end();
    });
  }
}

/** Counts of the API server's requests (`apiserver_request_total`), by `VERB resource`. */
export async function apiRequestCounts(kube: BenchKube): Promise<Map<string, number>> {
  const res = await kubeRequest(kube.creds, 'GET', '/metrics');
  if (res.status !== 200) throw new Error(`GET /metrics: HTTP ${res.status}`);
  const counts = new Map<string, number>();
  for (const line of res.text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = new Map([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m): [string, string] => [m[1] ?? '', m[2] ?? '']));
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    const dryRun = (labels.get('dry_run') ?? '') === '' ? '' : ' (dry-run)';
    const subresource = labels.get('subresource') ?? '';
    const key = `${labels.get('verb') ?? '?'} ${labels.get('resource') ?? '?'}${subresource === '' ? '' : `/${subresource}`}${dryRun}`;
    counts.set(key, (counts.get(key) ?? 0) + value);
  }
  return counts;
}

/** What changed between two readings of apiRequestCounts, largest first. */
export function requestDelta(before: Map<string, number>, after: Map<string, number>): Array<[string, number]> {
  return [...after].map(([key, n]) => [key, n - (before.get(key) ?? 0)] as [string, number]).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
}

/** "PATCH configmaps 11000, GET configmaps 9,000 …": the `top` largest. */
export function describeRequests(delta: ReadonlyArray<[string, number]>, top = 6): string {
  const total = delta.reduce((sum, [, n]) => sum + n, 0);
  return `${total.toLocaleString('en-US')} requests: ${delta.slice(0, top).map(([key, n]) => `${key} ${n.toLocaleString('en-US')}`).join(', ')}`;
}

const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU ms (user+sys) of a process and of its children it waited for, from /proc/PID/stat. */
export function processCpuMs(pid: number): { selfMs: number; childrenMs: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const tick = 1000 / ticksPerSecond;
  return { selfMs: (Number(fields[11]) + Number(fields[12])) * tick, childrenMs: (Number(fields[13]) + Number(fields[14])) * tick };
}

/** VmRSS and VmHWM of a process, MiB. */
export function processMemoryMiB(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
}

/** CPU ms the whole machine spent busy (every core), from /proc/stat. */
function machineBusyMs(): number {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return ((user + nice + system + irq + softirq + steal) * 1000) / ticksPerSecond;
}

const ENV_COMPONENTS = ['kube-apiserver', 'etcd', 'kube-controller-manager', 'kube-scheduler', 'kwok'];

/**
 * Where the machine's CPU went between `start` and `finish`: the agent (and the git processes it
 * reaped), the test environment, and everything else (the benchmark process itself, and whatever
 * else ran on the machine: other engineers' tests show here).
 */
export class CpuAccount {
  readonly #kube: BenchKube;
  #agentPid = 0;
  readonly #t0 = performance.now();
  readonly #machine0 = machineBusyMs();
  #agent0 = 0;
  readonly #env0: number;

  /** Without `agentPid`: the agent starts later (`agentStarted`), and all its CPU counts. */
  constructor(kube: BenchKube, agentPid?: number) {
    this.#kube = kube;
    this.#env0 = this.#envMs();
    if (agentPid !== undefined) {
      this.#agentPid = agentPid;
      this.#agent0 = this.#agentMs();
    }
  }

  agentStarted(pid: number): void {
    this.#agentPid = pid;
  }

  finish(): { wallMs: number; machineMs: number; agentMs: number; envMs: number; othersMs: number } {
    const machineMs = machineBusyMs() - this.#machine0;
    const agentMs = this.#agentMs() - this.#agent0;
    const envMs = this.#envMs() - this.#env0;
    return { wallMs: performance.now() - this.#t0, machineMs, agentMs, envMs, othersMs: Math.max(0, machineMs - agentMs - envMs) };
  }

  /** "2 cores 81% busy: agent 38%, test environment 53%, other processes 9%" (shares of the busy time). */
  describe(): string {
    const { wallMs, machineMs, agentMs, envMs, othersMs } = this.finish();
    const pct = (ms: number): string => `${((100 * ms) / machineMs).toFixed(0)}%`;
    return `${availableParallelism()} cores ${((100 * machineMs) / (wallMs * availableParallelism())).toFixed(0)}% busy; of that the agent ${pct(agentMs)}, the test environment ${pct(envMs)}, other processes ${pct(othersMs)}`;
  }

  #agentMs(): number {
    if (this.#agentPid === 0) return 0;
    const cpu = processCpuMs(this.#agentPid);
    return cpu.selfMs + cpu.childrenMs;
  }

  #envMs(): number {
    let sum = 0;
    for (const name of ENV_COMPONENTS) {
      const pid = this.#kube.pid(name);
      if (pid === undefined) continue;
      const cpu = processCpuMs(pid);
      sum += cpu.selfMs + cpu.childrenMs;
    }
    return sum;
  }
}
