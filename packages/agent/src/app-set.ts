/**
 * The applications an agent runs: those given on its command line, and those Git declares inside
 * them (app of apps), added, replaced and removed as Git changes. A child removed from Git stops
 * being managed; what it deployed stays (nothing is deleted on the strength of a missing file).
 */
import type { ApplicationStatus, Provider } from '@trueup/api';
import type { GitCache } from '@trueup/git';
import { AppRuntime } from './app-runtime.ts';
import type { ChartCache } from './chart-cache.ts';
import { declaredChild, refusedStatus, waitingStatus, withChildResources, type DeclaredChild } from './child-status.ts';
import type { AgentListener } from './events.ts';
import type { LoadedApplication } from './load-applications.ts';
import { PassScheduler } from './scheduler.ts';
import type { StateStore } from './state-store.ts';
import { createTarget } from './targets.ts';

export interface RunningApp {
  runtime: AppRuntime;
  provider: Provider;
  scheduler: PassScheduler;
  loaded: LoadedApplication;
}

export interface AppContext {
  stateDir: string;
  git: GitCache;
  charts: ChartCache;
  store: StateStore;
  emit: AgentListener;
  /** How often the linked hub polls the repositories it can read (0: no hub, or it does not). */
  hubGitPollMs?: () => number;
}

export function createApp(loaded: LoadedApplication, context: AppContext, onChildren?: (children: LoadedApplication[]) => void): RunningApp {
  const { stateDir, git, charts, store, emit, hubGitPollMs } = context;
  const target = createTarget(loaded, stateDir, store, git);
  const runtime = new AppRuntime({ loaded, target, git, charts, store, emit, ...(onChildren === undefined ? {} : { onChildren }), ...(hubGitPollMs === undefined ? {} : { hubGitPollMs }) });
  return { runtime, provider: target.provider, scheduler: new PassScheduler(runtime, loaded, { recheckHealth: !target.healthPushed }), loaded };
}

export async function stopApp({ runtime, provider, scheduler }: RunningApp, stopServices = false): Promise<void> {
  scheduler.stop();
  await runtime.close();
  if (stopServices) await provider.stopAll?.();
  await provider.close();
}

export class AppSet {
  readonly apps = new Map<string, RunningApp>();
  readonly #context: AppContext;
  /** For each parent, its children and the Application each was created from. */
  readonly #children = new Map<string, Map<string, string>>();
  /** For each parent, every child Git declares in it, as its status lists them. */
  readonly #declared = new Map<string, DeclaredChild[]>();
  /** Children Git declares that cannot run, by name: their status carries their error. */
  readonly #refused = new Map<string, ApplicationStatus>();
  /** Applications whose passes wait for their dependsOn to be Ready, with the status they show meanwhile. */
  readonly #waiting = new Map<string, ApplicationStatus>();
  #changes: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(loaded: readonly LoadedApplication[], context: AppContext) {
    this.#context = context;
    for (const app of loaded) this.#add(app);
  }

  /** Every application's status: the running ones (parents listing their children), then refused children. */
  statuses(): ApplicationStatus[] {
    const running = [...this.apps.entries()].map(([name, { runtime }]) => this.#waiting.get(name) ?? runtime.status).filter((s) => s !== undefined);
    const byName = new Map([...running, ...this.#refused.values()].map((status) => [status.name, status]));
    const decorated = running.map((status) => withChildResources(status, this.#declared.get(status.name) ?? [], (name) => byName.get(name)));
    return [...decorated, ...this.#refused.values()];
  }

  start(): void {
    for (const app of this.apps.values()) this.#start(app);
  }

  /**
   * Starts the app's passes. Each pass (not only the first) is held while an application it
   * dependsOn is not Ready: Synced, Healthy, without error and not itself waiting.
   */
  #start(app: RunningApp): void {
    const { name } = app.runtime;
    const pending = (): string[] => app.loaded.application.spec.dependsOn.filter((dependency) => {
      const status = this.apps.get(dependency)?.runtime.status;
      return status === undefined || this.#waiting.has(dependency) || status.sync !== 'Synced' || status.health.status !== 'Healthy' || status.error !== undefined;
    });
    app.scheduler.start(() => {
      const waitingFor = this.#stopped || this.apps.get(name) !== app ? [] : pending();
      if (waitingFor.length === 0) return void this.#waiting.delete(name);
      const waiting = waitingStatus(app.loaded, waitingFor, new Date().toISOString());
      const current = app.runtime.status;
      // What was applied stays listed; the health says why the new revision is not applied.
      const status = current === undefined ? waiting : { ...current, health: waiting.health };
      this.#waiting.set(name, status);
      return status;
    });
  }

  async stop(stopServices: boolean): Promise<void> {
    this.#stopped = true;
    await this.#changes;
    await Promise.all([...this.apps.values()].map((app) => stopApp(app, stopServices)));
  }

  #add(loaded: LoadedApplication): RunningApp {
    const name = loaded.application.metadata.name;
    const app = createApp(loaded, this.#context, (children) => this.#childrenChanged(name, children));
    this.apps.set(name, app);
    return app;
  }

  #childrenChanged(parent: string, children: LoadedApplication[]): void {
    this.#changes = this.#changes.then(() => this.#reconcile(parent, children)).catch((error: unknown) => {
      this.#context.emit({ type: 'error', application: parent, message: `applications from Git: ${String(error)}`, revision: '', pass: 0 });
    });
  }

  async #reconcile(parent: string, children: LoadedApplication[]): Promise<void> {
    if (this.#stopped) return;
    const current = this.#children.get(parent) ?? new Map<string, string>();
    const next = new Map<string, string>();
    const declared: DeclaredChild[] = [];
    for (const name of current.keys()) if (this.#refused.has(name)) this.#refused.delete(name);
    for (const child of children) {
      if (child.note !== undefined) {
        declared.push(declaredChild(child, 'note'));
        continue;
      }
      const name = child.application.metadata.name;
      const spec = JSON.stringify(child.application);
      const existing = this.apps.get(name);
      if ((existing !== undefined || this.#refused.has(name) || next.has(name)) && !current.has(name)) {
        this.#context.emit({ type: 'error', application: parent, message: `Application "${name}" from ${child.file} is not started: another application has that name`, revision: '', pass: 0 });
        declared.push(declaredChild(child, 'not-started'));
        continue;
      }
      if (child.refused !== undefined) {
        if (existing !== undefined) {
          this.apps.delete(name);
          await stopApp(existing);
        }
        this.#refused.set(name, refusedStatus(child, new Date().toISOString()));
        declared.push(declaredChild(child, 'refused'));
        next.set(name, spec);
        continue;
      }
      declared.push(declaredChild(child, 'running'));
      if (current.get(name) === spec && existing !== undefined) {
        next.set(name, spec);
        continue;
      }
      if (existing !== undefined) await stopApp(existing);
      this.#start(this.#add(child));
      next.set(name, spec);
    }
    this.#declared.set(parent, declared);
    for (const name of current.keys()) {
      const gone = this.apps.get(name);
      if (next.has(name) || gone === undefined) continue;
      this.apps.delete(name);
      await stopApp(gone);
      this.#childrenChanged(name, []); // its own children go with it
    }
    this.#children.set(parent, next);
  }
}
