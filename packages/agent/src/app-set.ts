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
import type { AgentEvent, AgentListener } from './events.ts';
import { applicationCheck, isApplicationCheck, type CheckResult } from './health-checks.ts';
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
}

export function createApp(loaded: LoadedApplication, context: AppContext, onChildren?: (children: LoadedApplication[]) => void, applicationChecks?: () => CheckResult[]): RunningApp {
  const { stateDir, git, charts, store, emit } = context;
  const target = createTarget(loaded, stateDir, store, git);
  const runtime = new AppRuntime({ loaded, target, git, charts, store, emit, ...(onChildren === undefined ? {} : { onChildren }), ...(applicationChecks === undefined ? {} : { applicationChecks }) });
  return { runtime, provider: target.provider, scheduler: new PassScheduler(runtime, loaded, { recheckHealth: !target.healthPushed, recheckChecks: runtime.checksObjects }), loaded };
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
    this.#context = { ...context, emit: (event) => {
      context.emit(event);
      this.#observe(event);
    } };
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
   * dependsOn is not Ready; the held application is not Ready either (DependencyNotReady), and
   * its gate is asked again as soon as a dependency's status moves.
   */
  #start(app: RunningApp): void {
    const { name } = app.runtime;
    app.scheduler.start(() => {
      const waitingFor = this.#stopped || this.apps.get(name) !== app ? [] : app.loaded.application.spec.dependsOn.filter((dependency) => !this.#isReady(dependency));
      if (waitingFor.length === 0) {
        this.#waiting.delete(name);
        return undefined;
      }
      const before = this.#waiting.get(name);
      const status = waitingStatus(app.loaded, waitingFor, new Date().toISOString(), app.runtime.status, before?.conditions);
      this.#waiting.set(name, status);
      if (before?.health.message !== status.health.message) {
        this.#context.store.saveStatus(status);
        this.#context.emit({ type: 'health-changed', application: name, status, revision: status.revision, pass: 0 });
      }
      return status;
    });
  }

  /** Ready as a dependency or a check: Synced, Healthy, without error, and not itself held. */
  #isReady(name: string): boolean {
    const status = this.apps.get(name)?.runtime.status;
    return status !== undefined && !this.#waiting.has(name) && status.sync === 'Synced' && status.health.status === 'Healthy' && status.error === undefined;
  }

  #statusOf(name: string): ApplicationStatus | undefined {
    return this.#waiting.get(name) ?? this.apps.get(name)?.runtime.status ?? this.#refused.get(name);
  }

  /** The applications `name`'s readiness depends on: those its healthChecks name, and with `wait: true` those Git declares in it. */
  #checkedApplications(name: string): { kind: string; name: string }[] {
    const app = this.apps.get(name);
    if (app === undefined) return [];
    const named = (app.loaded.application.spec.healthChecks ?? []).filter(isApplicationCheck).map((check) => ({ kind: check.kind, name: check.name }));
    const declared = app.loaded.waitForChildren === true ? (this.#declared.get(name) ?? []).filter((child) => child.state === 'running' || child.state === 'refused') : [];
    return [...named, ...declared.map((child) => ({ kind: child.kind, name: child.name }))];
  }

  #applicationChecks(name: string): CheckResult[] {
    return this.#checkedApplications(name).map((check) => applicationCheck(check.kind, check.name, this.#statusOf(check.name)));
  }

  #observe(event: AgentEvent): void {
    if (event.type === 'pass-finished' || event.type === 'health-changed') this.#statusMoved(event.application);
  }

  /**
   * An application's status moved: the applications held on it (dependsOn) ask their gate again,
   * those that check it summarize again, and those checking cluster objects look again (the
   * objects may be its).
   */
  #statusMoved(name: string): void {
    if (this.#stopped) return;
    const report = (application: string) => (error: unknown): void => this.#context.emit({ type: 'error', application, message: String(error), revision: '', pass: 0 });
    for (const [other, app] of this.apps) {
      if (other === name) continue;
      if (app.loaded.application.spec.dependsOn.includes(name)) app.scheduler.wake();
      if (this.#checkedApplications(other).some((check) => check.name === name)) void app.runtime.resummarize().catch(report(other));
      else if (app.runtime.checksObjects) void app.runtime.recheck().catch(report(other));
    }
  }

  async stop(stopServices: boolean): Promise<void> {
    this.#stopped = true;
    await this.#changes;
    await Promise.all([...this.apps.values()].map((app) => stopApp(app, stopServices)));
  }

  #add(loaded: LoadedApplication): RunningApp {
    const name = loaded.application.metadata.name;
    const app = createApp(loaded, this.#context, (children) => this.#childrenChanged(name, children), () => this.#applicationChecks(name));
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
    if (this.apps.get(parent)?.loaded.waitForChildren === true) void this.apps.get(parent)?.runtime.resummarize();
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
