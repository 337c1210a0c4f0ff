/**
 * The applications an agent runs: those given on its command line, and those Git declares inside
 * them (app of apps), added, replaced and removed as Git changes. A child removed from Git stops
 * being managed; its objects are pruned only when its parent prunes and it asks for it (see
 * removed-children.ts), never on an empty or failed render of its parent.
 */
import type { AgentKind, ApplicationStatus, Provider } from '@trueup/api';
import type { GitCache } from '@trueup/git';
import { AppRuntime } from './app-runtime.ts';
import type { ChartCache } from './chart-cache.ts';
import { declaredChild, refusedStatus, waitingStatus, withChildResources, type DeclaredChild } from './child-status.ts';
import type { AgentEvent, AgentListener } from './events.ts';
import { applicationCheck, isApplicationCheck, type CheckResult } from './health-checks.ts';
import type { LoadedApplication } from './load-applications.ts';
import { loadSavedChild, pruneRemovedChild, savedChild } from './removed-children.ts';
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
  /** The only namespaces the agent may read, when installed for a namespace (see createTarget). */
  watchNamespaces?: readonly string[] | undefined;
  /** How often the linked hub polls the repositories it can read (0: no hub, or it does not). */
  hubGitPollMs?: () => number;
}

export function createApp(loaded: LoadedApplication, context: AppContext, onChildren?: (children: LoadedApplication[], objects: number) => void, applicationChecks?: () => CheckResult[]): RunningApp {
  const { stateDir, git, charts, store, emit, hubGitPollMs } = context;
  const target = createTarget(loaded, stateDir, store, git, context.watchNamespaces);
  const runtime = new AppRuntime({ loaded, target, git, charts, store, emit, ...(onChildren === undefined ? {} : { onChildren }), ...(applicationChecks === undefined ? {} : { applicationChecks }), ...(hubGitPollMs === undefined ? {} : { hubGitPollMs }) });
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
  /** Children Git no longer declares, by name, with their parent and saved record, until handled. */
  readonly #removals = new Map<string, { parent: string; record: string | undefined }>();
  /** Applications that finished a pass since the agent started. */
  readonly #passed = new Set<string>();
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

  /** What the running applications deploy to: a host root, a Kubernetes cluster, or both. */
  kinds(): AgentKind[] {
    const kinds = new Set<AgentKind>([...this.apps.values()].map(({ loaded }) => (loaded.application.spec.destination.host === undefined ? 'kubernetes' : 'host')));
    return [...kinds].sort();
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
    if (app === undefined || (app.loaded.application.spec.healthChecks === undefined && app.loaded.waitForChildren !== true)) return [];
    const named = (app.loaded.application.spec.healthChecks ?? []).filter(isApplicationCheck).map((check) => ({ kind: check.kind, name: check.name }));
    const declared = app.loaded.waitForChildren === true ? (this.#declared.get(name) ?? []).filter((child) => child.state === 'running' || child.state === 'refused') : [];
    return [...named, ...declared.map((child) => ({ kind: child.kind, name: child.name }))];
  }

  #applicationChecks(name: string): CheckResult[] {
    return this.#checkedApplications(name).map((check) => applicationCheck(check.kind, check.name, this.#statusOf(check.name)));
  }

  #observe(event: AgentEvent): void {
    if (event.type === 'pass-finished') {
      this.#passed.add(event.application);
      if (this.#removals.size > 0) this.#changes = this.#changes.then(() => this.#drainRemovals()).catch(() => undefined);
    }
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
    const app = createApp(loaded, this.#context, (children, objects) => this.#childrenChanged(name, children, objects), () => this.#applicationChecks(name));
    this.apps.set(name, app);
    return app;
  }

  #childrenChanged(parent: string, children: LoadedApplication[], objects: number): void {
    this.#changes = this.#changes.then(() => this.#reconcile(parent, children, objects)).catch((error: unknown) => {
      this.#context.emit({ type: 'error', application: parent, message: `applications from Git: ${String(error)}`, revision: '', pass: 0 });
    });
  }

  /** `objects`: how many objects the parent's render holds (an empty render is doubt, not removal). */
  async #reconcile(parent: string, children: LoadedApplication[], objects: number): Promise<void> {
    if (this.#stopped) return;
    const { store } = this.#context;
    const current = this.#children.get(parent) ?? new Map<string, string>();
    const saved = new Map(store.children(parent).map((row) => [row.name, row.body]));
    const parentApp = this.apps.get(parent);
    if (objects === 0 && (current.size > 0 || saved.size > 0) && parentApp?.loaded.application.spec.syncPolicy.automated?.allowEmpty !== true) {
      this.#context.emit({ type: 'error', application: parent, message: 'the render is empty: the applications it declared are kept, nothing is pruned (set allowEmpty to allow it)', revision: '', pass: 0 });
      return;
    }
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
      const record = savedChild(child);
      if (saved.get(name) !== record) store.saveChild(parent, name, record);
      this.#removals.delete(name); // declared again (or moved here) before its prune ran
      if (current.get(name) === spec && existing !== undefined) {
        next.set(name, spec);
        continue;
      }
      if (existing !== undefined) await stopApp(existing);
      this.#start(this.#add(child));
      next.set(name, spec);
    }
    this.#declared.set(parent, declared);
    if (parentApp?.loaded.waitForChildren === true) void parentApp.runtime.resummarize().catch((error: unknown) => this.#context.emit({ type: 'error', application: parent, message: String(error), revision: '', pass: 0 }));
    for (const name of new Set([...current.keys(), ...saved.keys()])) {
      if (next.has(name)) continue;
      const gone = this.apps.get(name);
      if (gone !== undefined && current.has(name)) {
        this.apps.delete(name);
        await stopApp(gone);
        await this.#stopDescendants(name);
      }
      this.#removals.set(name, { parent, record: saved.get(name) ?? (gone === undefined ? undefined : savedChild(gone.loaded)) });
    }
    this.#children.set(parent, next);
    await this.#drainRemovals();
  }

  /**
   * Children Git no longer declares: forgotten when another parent declares them now (moved),
   * else, once every application has finished a pass since the agent started (so every parent's
   * render is known: a child moved to another parent is not taken for removed), their objects are
   * pruned when their parent prunes and they ask for it. A failed prune is tried again after the
   * next pass.
   */
  async #drainRemovals(): Promise<void> {
    if (this.#stopped || this.#removals.size === 0) return;
    const settled = [...this.apps.keys()].every((name) => this.#passed.has(name));
    for (const [name, removal] of [...this.#removals]) {
      const { store } = this.#context;
      if (this.apps.has(name) || this.#refused.has(name) || [...this.#children.values()].some((children) => children.has(name))) {
        this.#removals.delete(name);
        store.forgetChild(removal.parent, name);
        continue;
      }
      if (!settled) continue;
      const prunes = this.apps.get(removal.parent)?.loaded.application.spec.syncPolicy.automated?.prune === true;
      try {
        await this.#removeChild(removal.parent, name, removal.record, prunes);
        this.#removals.delete(name);
      } catch (error) {
        this.#context.emit({ type: 'error', application: removal.parent, message: String(error), revision: '', pass: 0 });
      }
    }
  }

  /** Stops the children a removed child runs, and theirs: their records stay until the removal is handled. */
  async #stopDescendants(name: string): Promise<void> {
    for (const child of this.#children.get(name)?.keys() ?? []) {
      const running = this.apps.get(child);
      if (running === undefined) continue;
      this.apps.delete(child);
      await stopApp(running);
      await this.#stopDescendants(child);
    }
    this.#refused.forEach((_, child) => void (this.#children.get(name)?.has(child) === true && this.#refused.delete(child)));
  }

  /** Stops what runs of a removed child and its own children, and prunes their objects when `parentPrunes` and each asks for it. */
  async #removeChild(parent: string, name: string, record: string | undefined, parentPrunes: boolean): Promise<void> {
    const { store } = this.#context;
    const loaded = record === undefined ? undefined : loadSavedChild(record);
    const prune = parentPrunes && loaded?.pruneWhenRemoved === true;
    for (const grandchild of store.children(name)) {
      const running = this.apps.get(grandchild.name);
      if (running !== undefined && this.#children.get(name)?.has(grandchild.name) === true) {
        this.apps.delete(grandchild.name);
        await stopApp(running);
      }
      await this.#removeChild(name, grandchild.name, grandchild.body, prune);
    }
    this.#children.delete(name);
    this.#declared.delete(name);
    if (loaded !== undefined && prune) {
      await pruneRemovedChild(loaded, this.#context, parent);
      store.forgetApplication(name);
    }
    store.forgetChild(parent, name);
  }
}
