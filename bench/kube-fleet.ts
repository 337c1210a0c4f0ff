/**
 * A fleet: 1,000 applications of 10 objects each in one Git repository, each in a namespace of
 * its own, on a fresh test environment; and its cold start, the agent process started with every
 * object still to be created, until every application reports Synced and Healthy.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from './context.ts';
import { AgentProcess, type LogEvent } from './kube-agent.ts';
import { apiRequestCounts, CpuAccount, processCpuMs, requestDelta, startBenchKube, type BenchKube } from './kube-env.ts';
import { configMap, deployment, kubeAppFile, manifestFile, role, roleBinding, secret, service, serviceAccount, writeText, type Manifest } from './kube-manifests.ts';
import { createBenchRepo } from './repo-fixture.ts';

/** Every `DEPLOYMENT_EVERY`-th application holds a Deployment (replicas 1) instead of a ConfigMap. */
const DEPLOYMENT_EVERY = 10;
const OBJECTS_PER_APP = 10;
export const ENV_COMPONENTS = ['kube-apiserver', 'etcd', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const;

/** The 10 objects of application `i`. */
export function fleetApp(i: number): Manifest[] {
  const name = appName(i);
  const withDeployment = i % DEPLOYMENT_EVERY === 0;
  const objects: Manifest[] = [
    service(name, { headless: true }),
    serviceAccount(name),
    role(`${name}-reader`),
    roleBinding(`${name}-reader`, `${name}-reader`, name),
    secret(`${name}-credentials`, { username: name, password: `secret-${i}` }),
    secret(`${name}-tls`, { 'tls.key': `key-${i}`, 'tls.crt': `crt-${i}` }),
    ...(withDeployment ? [deployment(name)] : [configMap(`${name}-extra`, { index: String(i) })]),
    ...[1, 2, 3].map((k) => configMap(`${name}-config-${k}`, { index: String(i), part: String(k), 'settings.yaml': `app: ${name}\npart: ${k}\nlevel: info\n` })),
  ];
  if (objects.length !== OBJECTS_PER_APP) throw new Error('fleet application must hold 10 objects');
  return objects;
}

export function appName(i: number): string {
  return `app-${String(i).padStart(4, '0')}`;
}

/** The mix, for the table: counts per kind over `apps` applications. */
export function fleetMix(apps: number): string {
  const counts = new Map<string, number>();
  for (let i = 1; i <= apps; i++) for (const m of fleetApp(i)) counts.set(String(m['kind']), (counts.get(String(m['kind'])) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${n.toLocaleString('en-US')} ${kind}${kind === 'Service' ? ' (headless)' : ''}${kind === 'Deployment' ? ' (replicas 1)' : ''}`).join(', ');
}

export interface AppState {
  sync?: string | undefined;
  health?: string | undefined;
  passes: number;
}

export interface ColdStart {
  /** From the spawn until every first pass finished / every application Synced / Synced and Healthy. */
  firstPassesMs: number;
  syncedMs: number;
  healthyMs: number;
  /** The agent process (and its reaped children, git) over the cold start. */
  agentCpu: { selfMs: number; childrenMs: number };
  agentHwmMiB: number;
  /** CPU ms of the test environment's processes over the cold start. */
  envCpuMs: Record<string, number>;
  requests: Array<[string, number]>;
  failedPasses: number;
  firstErrors: string[];
  /** Whether the last application was seen Healthy in the log or by polling the status API. */
  healthySeenBy: string;
  /** The agent's Node.js flags, as it runs. */
  nodeFlags: string;
  /** How busy the machine was, and with what (CpuAccount.describe). */
  machine: string;
}

export class KubeFleet {
  readonly kube: BenchKube;
  readonly names: string[];
  readonly dir: string;
  readonly appsDir: string;
  readonly states = new Map<string, AppState>();
  agent: AgentProcess | undefined;

  private constructor(kube: BenchKube, dir: string, names: string[]) {
    this.kube = kube;
    this.dir = dir;
    this.names = names;
    this.appsDir = join(dir, 'applications');
  }

  /** A fresh test environment, the repository and the Application files; no agent yet. */
  static async create(ctx: BenchContext, dir: string, apps: number): Promise<KubeFleet> {
    const kube = await startBenchKube(ctx, join(dir, 'env'));
    try {
      const files: Record<string, string> = {};
      const names: string[] = [];
      for (let i = 1; i <= apps; i++) {
        names.push(appName(i));
        files[`apps/${appName(i)}/objects.yaml`] = manifestFile(fleetApp(i));
      }
      const repo = await createBenchRepo(join(dir, 'repo'), files);
      const fleet = new KubeFleet(kube, dir, names);
      for (const name of names) {
        await writeText(join(fleet.appsDir, `${name}.yaml`), kubeAppFile({ name, repoURL: repo.repoURL, path: `apps/${name}`, kubeconfig: kube.kubeconfig, namespace: name }));
      }
      return fleet;
    } catch (error) {
      await kube.stop();
      throw error;
    }
  }

  /** Starts the agent on every object still to be created and waits until all are Synced and Healthy. */
  async coldStart(ctx: BenchContext, timeoutMs: number, nodeFlags: readonly string[] = []): Promise<ColdStart> {
    const total = this.names.length;
    let firstPasses = 0;
    let synced = 0;
    let healthy = 0;
    let failedPasses = 0;
    const firstErrors: string[] = [];
    const marks: { firstPasses?: number; synced?: number; healthy?: number } = {};
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    const onEvent = (event: LogEvent): void => {
      if (event.event !== 'pass-finished' && event.event !== 'health-changed') return;
      const state = this.states.get(event.application) ?? { passes: 0 };
      const wasSynced = state.sync === 'Synced';
      const wasDone = wasSynced && state.health === 'Healthy';
      if (event.event === 'pass-finished') {
        if (state.passes++ === 0) firstPasses++;
        state.sync = event.sync;
        if (event.error !== undefined) {
          failedPasses++;
          if (firstErrors.length < 3) firstErrors.push(`${event.application}: ${event.error.code}: ${event.error.message.slice(0, 200)}`);
        }
      }
      state.health = event.health;
      this.states.set(event.application, state);
      const isSynced = state.sync === 'Synced';
      synced += Number(isSynced) - Number(wasSynced);
      healthy += Number(isSynced && state.health === 'Healthy') - Number(wasDone);
      if (marks.firstPasses === undefined && firstPasses === total) marks.firstPasses = event.at;
      if (marks.synced === undefined && synced === total) marks.synced = event.at;
      if (healthy === total) {
        marks.healthy ??= event.at;
        resolveDone();
      }
    };
    const envBefore = this.#envCpu();
    const requestsBefore = await apiRequestCounts(this.kube);
    const account = new CpuAccount(this.kube);
    const agent = await AgentProcess.start({ stateDir: join(this.dir, 'state'), paths: [this.appsDir], logFile: join(this.dir, 'agent.log'), onEvent, nodeFlags });
    this.agent = agent;
    account.agentStarted(agent.pid);
    const progress = setInterval(() => ctx.log(`kube-scale: ${((performance.now() - agent.spawnedAt) / 1000).toFixed(0)} s: ${firstPasses} first passes, ${synced} Synced, ${healthy} Synced+Healthy of ${total}; ${failedPasses} failed passes`), 5000);
    // The agent logs no health-changed event when a drift heal's observe is what sees an object
    // become Healthy (it only updates the status): once every first pass is done, the status API
    // is polled too, once a second.
    let polling = true;
    let polledHealthy = false;
    const poll = (async () => {
      while (polling) {
        await sleep(1000);
        if (!polling || marks.firstPasses === undefined) continue;
        const statuses = await agent.applications().catch(() => []);
        const at = performance.now();
        if (statuses.length === total && statuses.every((s) => s.sync === 'Synced' && s.health.status === 'Healthy')) {
          marks.healthy ??= at;
          polledHealthy = true;
          resolveDone();
        }
      }
    })();
    const timeout = new AbortController();
    try {
      await Promise.race([done, sleep(timeoutMs, undefined, { signal: timeout.signal }).then(() => {
        throw new Error(`not every application Synced and Healthy within ${timeoutMs / 1000} s: ${synced} Synced, ${healthy} Healthy of ${total}; first errors: ${firstErrors.join(' | ')}`);
      })]);
    } finally {
      timeout.abort(); // or the timer would hold the benchmark process for up to timeoutMs at its end
      clearInterval(progress);
      polling = false;
      await poll;
    }
    const machine = account.describe();
    const agentCpu = agent.cpuMs();
    const envAfter = this.#envCpu();
    const requests = requestDelta(requestsBefore, await apiRequestCounts(this.kube));
    const since = (at: number | undefined): number => (at ?? NaN) - agent.spawnedAt;
    return {
      firstPassesMs: since(marks.firstPasses),
      syncedMs: since(marks.synced),
      healthyMs: since(marks.healthy),
      agentCpu,
      agentHwmMiB: agent.memoryMiB().hwm,
      envCpuMs: Object.fromEntries(ENV_COMPONENTS.map((c) => [c, (envAfter[c] ?? 0) - (envBefore[c] ?? 0)])),
      requests,
      failedPasses,
      firstErrors,
      healthySeenBy: polledHealthy ? 'the status API (polled once a second)' : 'the log events',
      nodeFlags: agent.nodeFlags(),
      machine,
    };
  }

  /** Checks, untimed, that the agent's API and the cluster agree with what the log said. */
  async verify(): Promise<string> {
    if (this.agent === undefined) throw new Error('no agent');
    const statuses = await this.agent.applications();
    const bad = statuses.filter((s) => s.sync !== 'Synced' || s.health.status !== 'Healthy');
    if (statuses.length !== this.names.length || bad.length > 0) {
      throw new Error(`GET /api/v1/applications: ${statuses.length} applications, ${bad.length} not Synced and Healthy (${bad.slice(0, 3).map((s) => `${s.name} ${s.sync}/${s.health.status}`).join(', ')})`);
    }
    const expected = new Map<string, number>();
    for (let i = 1; i <= this.names.length; i++) for (const m of fleetApp(i)) expected.set(String(m['kind']), (expected.get(String(m['kind'])) ?? 0) + 1);
    const collections: Record<string, string> = {
      ConfigMap: '/api/v1/configmaps', Secret: '/api/v1/secrets', Service: '/api/v1/services', ServiceAccount: '/api/v1/serviceaccounts',
      Role: '/apis/rbac.authorization.k8s.io/v1/roles', RoleBinding: '/apis/rbac.authorization.k8s.io/v1/rolebindings', Deployment: '/apis/apps/v1/deployments',
    };
    const found: string[] = [];
    for (const [kind, want] of expected) {
      // remainingItemCount is not given with a label selector: list them all.
      const list = await this.kube.call('GET', `${collections[kind] ?? ''}?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dtrueup`) as { items?: unknown[] };
      const count = list.items?.length ?? 0;
      if (count !== want) throw new Error(`the cluster holds ${count} managed ${kind} objects, expected ${want}`);
      found.push(`${count} ${kind}`);
    }
    const pods = await this.kube.call('GET', '/api/v1/pods?limit=1') as { items?: unknown[]; metadata?: { remainingItemCount?: number } };
    return `${statuses.length} applications Synced and Healthy in GET /api/v1/applications; the cluster holds ${found.join(', ')} with the trueup label, and ${(pods.items?.length ?? 0) + (pods.metadata?.remainingItemCount ?? 0)} pods`;
  }

  #envCpu(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of ENV_COMPONENTS) {
      const pid = this.kube.pid(c);
      if (pid === undefined) continue;
      const cpu = processCpuMs(pid);
      out[c] = cpu.selfMs + cpu.childrenMs;
    }
    return out;
  }

  envCpu(): Record<string, number> {
    return this.#envCpu();
  }

  async stop(): Promise<void> {
    await this.agent?.stop().catch(() => undefined);
    this.agent = undefined;
    await this.kube.stop();
  }
}
