/** The pull agent: one reconcile loop per application, drift watches, state, and a loopback API. */
import { rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ApplicationStatus, LinkRead, SourceMoved } from '@trueup/api';
import { GitCache } from '@trueup/git';
import { AppSet } from './app-set.ts';
import { ChartCache } from './chart-cache.ts';
import { startHubLink, type HubLink, type HubLinkOptions } from './hub-link/index.ts';
import { specForHub } from './hub-link/spec.ts';
import { applicationsToRefresh } from './hub-link/source-moved.ts';
import type { AgentEvent, AgentListener } from './events.ts';
import { FLUX_SECRETS_FOLDER } from './flux-tree.ts';
import { loadApplications } from './load-applications.ts';
import { Metrics } from './metrics.ts';
import { API_TOKEN_FILE, writeApiToken, type ApiAccess } from './api-access.ts';
import type { PassMode, PassOptions } from './app-runtime.ts';
import { parseListenAddress, type ListenAddress } from './listen-address.ts';
import { planPassAndWait } from './pass-and-wait.ts';
import { createAgentServer, listen } from './server.ts';
import { lockStateDir, type StateLock } from './state-lock.ts';
import { StateStore } from './state-store.ts';

export interface AgentOptions {
  stateDir: string;
  /** Application files or folders of them. */
  paths: readonly string[];
  /** `127.0.0.1:7171`, `[::1]:7171`, `:7171` (loopback); omitted: no listener. */
  listen?: string;
  /** Allows a `listen` address other machines can reach (the API still needs its token). */
  listenNonLoopback?: boolean;
  onEvent?: AgentListener;
  /** Link to a hub: joins with `joinTokenFile` once, or reuses the state dir's credential. */
  hub?: HubLinkOptions;
  /** The only namespaces the agent may read (a namespace-scoped install): its watches list those, not the cluster. */
  watchNamespaces?: readonly string[];
}

export interface Agent {
  /** The listener's URL, when listening. */
  url: string | undefined;
  /** The token `/api/` needs (also in `<stateDir>/api-token`), when listening. */
  token: string | undefined;
  applications(): ApplicationStatus[];
  /** The applications it runs, those without a status yet included. */
  applicationNames(): string[];
  refresh(name: string): Promise<ApplicationStatus> | undefined;
  /** Stops loops and watches; supervised services keep running unless `stopServices`. */
  stop(options?: { stopServices?: boolean }): Promise<void>;
}

/** File in the state dir telling the CLI where the running agent listens. */
export const AGENT_INFO_FILE = 'agent.json';

export async function startAgent(options: AgentOptions): Promise<Agent> {
  const address = options.listen === undefined ? undefined : parseListenAddress(options.listen, { allowNonLoopback: options.listenNonLoopback === true });
  const stateDir = resolve(options.stateDir); // the host provider and git need absolute paths
  const lock = lockStateDir(stateDir, 'agent');
  try {
    return await start(options, stateDir, address, lock);
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function start(options: AgentOptions, stateDir: string, address: ListenAddress | undefined, lock: StateLock): Promise<Agent> {
  const loaded = await loadApplications(options.paths, { fluxSecretsDir: join(stateDir, FLUX_SECRETS_FOLDER) });
  const store = new StateStore(stateDir);
  const git = new GitCache({ dir: join(stateDir, 'git') });
  const charts = new ChartCache({ dir: join(stateDir, 'charts') });
  const metrics = new Metrics();
  const finishedFirstPass = new Set<string>();
  // set below, once the API it serves exists; gitPollMs: how often the linked hub polls Git (0 while unlinked)
  const hub: { link?: HubLink | undefined; gitPollMs: number } = { gitPollMs: 0 };
  const emit = (event: AgentEvent): void => {
    record(metrics, event);
    hub.link?.record(event);
    if (event.type === 'pass-finished') finishedFirstPass.add(event.application);
    options.onEvent?.(event);
  };
  const set = new AppSet(loaded, { stateDir, git, charts, store, emit, watchNamespaces: options.watchNamespaces, hubGitPollMs: () => hub.gitPollMs });
  const { apps } = set;
  const api = {
    statuses: () => set.statuses(),
    kinds: () => set.kinds(),
    refresh: (name: string) => apps.get(name)?.scheduler.refresh(),
    sync: (name: string, mode: PassMode, waitHealthyMs: number, passOptions: PassOptions = {}) => {
      const app = apps.get(name);
      return app === undefined ? undefined : planPassAndWait(app.runtime, mode, waitHealthyMs, passOptions);
    },
    pause: (name: string, object: string | undefined, by: string) => apps.get(name)?.runtime.pauseSelfHeal(object, by),
    read: (read: LinkRead) => apps.get(read.application)?.runtime.read(read.object, read.what),
    spec: (name: string) => {
      const app = apps.get(name);
      return app === undefined ? undefined : specForHub(app.loaded.application);
    },
    resume: (name: string, object: string | undefined) => {
      const app = apps.get(name);
      if (app === undefined) return undefined;
      // Resumed: a pass under the application's own policy now heals what drifted meanwhile.
      return app.runtime.resumeSelfHeal(object).then(async ({ resumed }) => ({ status: await app.scheduler.refresh(), resumed }));
    },
    sourceMoved: (source: SourceMoved) => {
      const reading = [...apps.values()].map((app) => ({ name: app.runtime.name, source: app.loaded.application.spec.source, revision: app.runtime.status?.revision }));
      for (const name of applicationsToRefresh(reading, source)) void apps.get(name)?.scheduler.refresh();
    },
    catchUp: () => {
      // A pass running now listed Git moments ago; every other application looks again.
      for (const app of apps.values()) if (!app.scheduler.passing) void app.scheduler.refresh();
    },
    ready: () => finishedFirstPass.size === apps.size,
    metrics: () => metrics.render(),
  };
  try {
    const linkOptions: HubLinkOptions | undefined = options.hub === undefined ? undefined : {
      ...options.hub,
      onState: (state) => {
        if (state.state === 'streaming') hub.gitPollMs = state.gitPollMs ?? 0;
        else if (state.state !== 'connecting') hub.gitPollMs = 0;
        options.hub?.onState?.(state);
      },
    };
    hub.link = linkOptions === undefined ? undefined : await startHubLink(stateDir, linkOptions, api);
  } catch (error) {
    store.close();
    throw error;
  }
  const access: ApiAccess = { token: '', port: 0, nonLoopback: address?.loopback === false };
  const server = address === undefined ? undefined : createAgentServer(api, () => access);
  let url: string | undefined;
  if (server !== undefined && address !== undefined) {
    access.token = writeApiToken(stateDir);
    try {
      ({ url, port: access.port } = await listen(server, address));
    } catch (error) {
      store.close();
      throw error;
    }
  }
  const infoFile = join(stateDir, AGENT_INFO_FILE);
  if (url !== undefined) {
    // Whole or absent for readers (the CLI, a second agent): written aside, then renamed.
    await writeFile(`${infoFile}.${process.pid}`, `${JSON.stringify({ url, pid: process.pid })}\n`);
    await rename(`${infoFile}.${process.pid}`, infoFile);
  }
  set.start();
  return {
    url,
    token: server === undefined ? undefined : access.token,
    applications: api.statuses,
    applicationNames: () => [...apps.keys()],
    refresh: api.refresh,
    async stop({ stopServices = false } = {}) {
      await set.stop(stopServices);
      await hub.link?.stop();
      if (server !== undefined) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        await rm(infoFile, { force: true });
        await rm(join(stateDir, API_TOKEN_FILE), { force: true });
      }
      store.close();
      lock.release();
    },
  };
}

function record(metrics: Metrics, event: AgentEvent): void {
  const application = event.application;
  switch (event.type) {
    case 'pass-finished': {
      const result = event.status.error === undefined ? 'success' : 'failure';
      metrics.observe('trueup_reconcile_duration_seconds', 'Duration of reconcile passes.', { application, result }, event.durationMs / 1000);
      metrics.inc('trueup_reconcile_total', 'Reconcile passes.', { application, result });
      metrics.inc('trueup_applied_changes_total', 'Objects created, updated, run, restarted or pruned.', { application }, event.changed);
      for (const sync of ['Synced', 'OutOfSync', 'Unknown']) metrics.set('trueup_application_sync', 'Sync status (1 for the current one).', { application, sync }, event.status.sync === sync ? 1 : 0);
      for (const health of ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown']) metrics.set('trueup_application_health', 'Health status (1 for the current one).', { application, health }, event.status.health.status === health ? 1 : 0);
      metrics.set('trueup_managed_resources', 'Resources managed.', { application }, event.status.resources.length);
      return;
    }
    case 'drift-detected':
      return metrics.inc('trueup_drift_events_total', 'Drift events detected between passes.', { application, source: event.source });
    case 'drift-healed':
      return metrics.observe('trueup_heal_duration_seconds', 'From drift noticed to healed.', { application }, event.durationMs / 1000);
    case 'error':
      return metrics.inc('trueup_agent_errors_total', 'Unexpected agent errors.', { application });
    case 'pass-started':
    case 'health-changed':
    case 'heal-deferred':
      return;
  }
}
