/**
 * One application inside the agent: its reconcile pass (fetch → render → observe → plan → apply
 * → prune → summarize), and the in-memory state between passes; its drift heals (drift-healer.ts)
 * run in the same queue, so passes and heals of one application never overlap.
 */
import { hasSyncOption, keyId, parseDuration, type AppliedChange, type ApplicationStatus, type DesiredObject, type LiveObject, type Manifest, type ObjectKey, type PassTrigger, type PlannedChange, type ReadResult, type RevisionInfo, type SelfHealPause } from '@trueup/api';
import { inventoryAfterPass, inventoryBeforeApply, keysToObserve, mayExist, planPass, splitHooks, summarize, withObserved, type DiffOptions, type ObjectDiff, type PassError } from '@trueup/engine';
import { stripCredentials, type GitCache } from '@trueup/git';
import { applyPlan, type ApplyFailure } from './apply-plan.ts';
import type { ChartCache } from './chart-cache.ts';
import { DriftHealer, replaceLive } from './drift-healer.ts';
import { ObservedBatch } from './observed-batch.ts';
import type { AgentEventBody, AgentListener } from './events.ts';
import { CheckedObjects, withHealthChecks, type CheckResult } from './health-checks.ts';
import type { LoadedApplication } from './load-applications.ts';
import { readObject } from './object-read.ts';
import { applyError, historyEntry, pruneNote, sameKeys, toPassError } from './pass-outcome.ts';
import { healPaused, heldPlan, plannedChanges, selfHealState, WHOLE_APPLICATION } from './self-heal-pause.ts';
import { SourceFetch } from './source-fetch.ts';
import type { StateStore } from './state-store.ts';
import type { Target } from './targets.ts';

export type PassMode = 'apply' | 'detect';

export interface PassOptions {
  /** Prune what Git no longer declares; default the application's `syncPolicy.automated.prune`. */
  prune?: boolean | undefined;
}

/** What one pass planned: the changes a sync makes (dry run: would make), bounded. */
export interface PassPlan {
  plan: PlannedChange[];
  omitted: number;
}

/** Status changes the watch reports within this window are applied together. */
const OBSERVED_BATCH_MS = 10;

export interface RuntimeDeps {
  loaded: LoadedApplication;
  target: Target;
  git: GitCache;
  charts: ChartCache;
  store: StateStore;
  emit: AgentListener;
  /** Told the Applications Git declares in this application's path (app of apps), at each new revision. */
  onChildren?: (children: LoadedApplication[], objects: number) => void;
  /** Checks on other applications the agent runs (healthChecks naming them, `wait: true` children): asked at each summary. */
  applicationChecks?: () => CheckResult[];
  /** The wall clock, in ms; injected so tests can move it. */
  now?: () => number;
  /** How often the linked hub polls the repositories it can read (0: it does not); see hubPollsSource. */
  hubGitPollMs?: () => number;
}

export class AppRuntime {
  readonly name: string;
  readonly #deps: RuntimeDeps;
  readonly #now: () => number;
  #desired: DesiredObject[] = [];
  /** The desired objects that are resources: hooks run during a sync, they are not kept in sync. */
  #resources: DesiredObject[] = [];
  #desiredById = new Map<string, DesiredObject>();
  readonly #diffOptions: DiffOptions;
  readonly #source: SourceFetch;
  #live: LiveObject[] = [];
  /** The last observation as the provider returned it, absent inventory-only objects included. */
  #observedLive: LiveObject[] = [];
  #diffs = new Map<string, ObjectDiff>();
  #revision = '';
  #renderedRevision = '';
  /** Revisions of the ref sources last rendered with. */
  #renderedRefs = '';
  #appliedRevision: string;
  #status: ApplicationStatus | undefined;
  #error: PassError | undefined;
  #lastFailure = '';
  #queue: Promise<unknown> = Promise.resolve();
  #passes = 0;
  readonly #healer: DriftHealer;
  /** The watch's reports of objects that changed without drifting (their status). */
  readonly #observed: ObservedBatch;
  #watch;
  /** The cluster objects of `spec.healthChecks`, with their last observation. */
  readonly #checked: CheckedObjects;
  /** Self-heal pauses in force (state.db): the whole application under '', objects by key id. */
  #pauses: Map<string, SelfHealPause>;
  #revisionInfo: RevisionInfo | undefined;
  #lastPlan: PassPlan = { plan: [], omitted: 0 };

  constructor(deps: RuntimeDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.name = deps.loaded.application.metadata.name;
    this.#checked = new CheckedObjects(deps.loaded.application.spec.healthChecks ?? []);
    this.#status = deps.store.status(this.name);
    this.#appliedRevision = this.#status?.appliedRevision ?? '';
    this.#revisionInfo = this.#status?.revisionInfo;
    this.#pauses = deps.store.selfHealPauses(this.name);
    const { ignoreDifferences, syncPolicy } = deps.loaded.application.spec;
    this.#diffOptions = { ignoreDifferences, respectIgnoreDifferences: hasSyncOption(syncPolicy, 'RespectIgnoreDifferences') };
    this.#source = new SourceFetch(deps);
    this.#observed = new ObservedBatch(OBSERVED_BATCH_MS, (batch) => {
      void this.#exclusive(async () => this.#applyObserved(batch)).catch((error: unknown) => this.#emit({ type: 'error', application: this.name, message: String(error) }));
    });
    this.#healer = this.#driftHealer();
    this.#watch = deps.target.provider.watch((signal) => this.#healer.onDrift(signal), (key, manifest) => {
      if (this.#desiredById.has(keyId(key))) this.#observed.add(keyId(key), manifest);
    });
  }

  get status(): ApplicationStatus | undefined {
    return this.#status;
  }

  get automated(): boolean {
    return this.#deps.loaded.application.spec.syncPolicy.automated !== undefined;
  }

  /** One reconcile pass; `detect` compares and reports without changing anything. */
  pass(trigger: PassTrigger, mode: PassMode = this.automated ? 'apply' : 'detect', options: PassOptions = {}): Promise<ApplicationStatus> {
    return this.#exclusive(() => this.#pass(trigger, mode, options));
  }

  /** A pass a person asked for, with what it planned (a dry run: what it would change). */
  passWithPlan(mode: PassMode, options: PassOptions = {}): Promise<{ status: ApplicationStatus } & PassPlan> {
    return this.#exclusive(async () => ({ status: await this.#pass('manual', mode, options), ...this.#lastPlan }));
  }

  /**
   * Pauses self-heal of the application (object undefined) or of one of its objects, kept in
   * state.db; an existing pause keeps who made it and when. Unknown objects are refused.
   */
  async pauseSelfHeal(object: string | undefined, by: string): Promise<ApplicationStatus | { unknownObject: string }> {
    if (object !== undefined && !this.#desiredById.has(object) && !this.#live.some((l) => keyId(l.key) === object)) return { unknownObject: object };
    const pause = { by, at: new Date(this.#now()).toISOString() };
    const key = object ?? WHOLE_APPLICATION;
    this.#deps.store.pauseSelfHeal(this.name, key, pause);
    if (!this.#pauses.has(key)) this.#pauses.set(key, pause);
    return this.#exclusive(async () => this.#saveSummary());
  }

  /** Ends the pause of one object, or (object undefined) every pause of the application; returns how many ended. */
  async resumeSelfHeal(object: string | undefined): Promise<{ status: ApplicationStatus; resumed: number }> {
    const resumed = this.#deps.store.resumeSelfHeal(this.name, object);
    if (object === undefined) this.#pauses.clear();
    else this.#pauses.delete(object);
    return { status: await this.#exclusive(async () => this.#saveSummary()), resumed };
  }

  /**
   * Observes again without fetching: how a Progressing application notices it became Healthy
   * (a service passing its first health check) before the next pass.
   */
  recheck(): Promise<ApplicationStatus | undefined> {
    return this.#exclusive(async () => {
      if (this.#status === undefined || this.#renderedRevision === '') return this.#status;
      const inventory = await this.#deps.target.loadInventory(this.#resourceKeys());
      this.#setLive(await this.#deps.target.provider.observe(this.#keysToObserve(inventory), this.#desiredById));
      this.#diffs = this.#plan().diffs;
      await this.#checked.observe(this.#deps.target.provider);
      return this.#saveSummary();
    });
  }

  /** Summarizes again without observing: an application it checks moved. */
  resummarize(): Promise<void> {
    return this.#exclusive(async () => {
      if (this.#status !== undefined) this.#saveSummary();
    });
  }

  /** Whether its health also depends on cluster objects it does not apply (`healthChecks`). */
  get checksObjects(): boolean {
    return this.#checked.any;
  }

  /**
   * One object as it is now, for a person looking at it through the hub (object-read.ts): observed
   * afresh, secret values redacted, bounded to what the link carries; or the objects it owns.
   */
  read(objectId: string, what: 'object' | 'children'): Promise<ReadResult> {
    return readObject({ name: this.name, provider: this.#deps.target.provider, desiredById: this.#desiredById, live: this.#live, diffOptions: this.#diffOptions }, objectId, what);
  }

  async close(): Promise<void> {
    this.#observed.close();
    await this.#queue.catch(() => undefined);
    await this.#watch.close();
  }

  async #pass(trigger: PassTrigger, mode: PassMode, options: PassOptions): Promise<ApplicationStatus> {
    const startedAt = this.#now();
    this.#passes++;
    this.#emit({ type: 'pass-started', application: this.name, trigger });
    try {
      const { artifact, revisionInfo } = await this.#source.fetch(trigger, { renderedRevision: this.#renderedRevision, revisionInfo: this.#revisionInfo });
      this.#revision = artifact.revision;
      this.#revisionInfo = revisionInfo;
      const refs = (await this.#deps.target.refRevisions?.()) ?? ''; // `$values/…` sources
      if (artifact.revision !== this.#renderedRevision || refs !== this.#renderedRefs) {
        const { desired, children, rendered } = await this.#deps.target.render(artifact.dir);
        this.#setDesired(desired);
        this.#renderedRevision = artifact.revision;
        this.#renderedRefs = refs;
        this.#deps.onChildren?.(children, rendered ?? desired.length);
      }
      return await this.#converge(trigger, mode, startedAt, options);
    } catch (error) {
      return this.#finish({ trigger, startedAt, changes: [], error: toPassError(error) });
    }
  }

  /** Observe, plan, apply and prune against the rendered desired state. */
  async #converge(trigger: PassTrigger, mode: PassMode, startedAt: number, options: PassOptions): Promise<ApplicationStatus> {
    const { loaded, target } = this.#deps;
    const { provider } = target;
    const { syncPolicy } = loaded.application.spec;
    const inventory = await target.loadInventory(this.#resourceKeys());
    this.#setLive(await provider.observe(this.#keysToObserve(inventory), this.#desiredById));
    await this.#checked.observe(this.#deps.target.provider);
    const plan = this.#plan();
    this.#diffs = plan.diffs;
    const [problem] = plan.problems;
    if (problem !== undefined) {
      const error = { code: 'API_FIELD_INVALID', message: problem.message, retryable: false, file: problem.file, line: problem.line, field: problem.field };
      return this.#finish({ trigger, startedAt, changes: [], error });
    }
    const emptyRender = this.#resources.length === 0 && inventory.length > 0 && syncPolicy.automated?.allowEmpty !== true;
    const prunes = (options.prune ?? syncPolicy.automated?.prune === true) && !emptyRender;
    const prune = mode === 'apply' && prunes;
    const pruneSkipped = pruneNote(plan, prune, emptyRender);
    this.#lastPlan = plannedChanges(plan, prunes);
    if (mode === 'detect') return this.#finish({ trigger, startedAt, changes: [], detectOnly: true, pruneSkipped });
    // The inventory grows before anything changes, so a pass killed half-way leaves every object it created listed.
    const listed = inventoryBeforeApply(inventory, this.#resourceKeys());
    const savedEverywhere = sameKeys(listed, inventory) || (await target.saveInventory(listed, 'before-apply'));
    await provider.prepareSync?.(this.#resources, { prune, inventory });
    const timeout = parseDuration(syncPolicy.timeout ?? '');
    // Automation leaves paused objects alone while Git has not moved; a person's sync applies all.
    const allowed = trigger === 'manual' ? plan : heldPlan(plan, this.#pauses, this.#revision !== this.#appliedRevision);
    const outcome = await applyPlan(provider, allowed, { prune, ...(timeout === undefined ? {} : { waveTimeoutMs: timeout }) });
    const pruned = outcome.changes.filter((c) => c.action === 'delete' && c.error === undefined && !this.#isHook(c.key)).map((c) => c.key);
    if (outcome.changes.length > 0) {
      this.#setLive(await provider.observe(this.#keysToObserve(listed), this.#desiredById));
      this.#diffs = this.#plan().diffs;
    }
    // …and shrinks after: what was pruned, and what is gone by now, leave it.
    const next = inventoryAfterPass(listed, this.#observedLive, pruned);
    if (!sameKeys(next, listed) || !savedEverywhere) await this.#saveInventory(next, outcome.failures);
    const error = applyError(outcome.failures);
    if (error === undefined) this.#appliedRevision = this.#revision;
    await this.#checked.observe(this.#deps.target.provider);
    return this.#finish({ trigger, startedAt, changes: outcome.changes, error, pruneSkipped });
  }

  #finish(pass: { trigger: PassTrigger; startedAt: number; changes: AppliedChange[]; error?: PassError | undefined; detectOnly?: boolean; pruneSkipped?: string | undefined }): ApplicationStatus {
    this.#error = pass.error;
    const status = this.#summarize(pass.pruneSkipped);
    const { store } = this.#deps;
    store.saveStatus(status);
    const { entry, failure } = historyEntry({ ...pass, application: this.name, revision: this.#revision, status, finishedAt: this.#now(), lastFailure: this.#lastFailure });
    this.#lastFailure = failure;
    if (entry !== undefined) store.appendHistory(entry);
    this.#emit({ type: 'pass-finished', application: this.name, status, changed: pass.changes.length, durationMs: this.#now() - pass.startedAt });
    return status;
  }

  /** Summarizes and saves the status between passes; tells listeners when health moved. */
  #saveSummary(): ApplicationStatus {
    const before = this.#status?.health.status;
    const status = this.#summarize();
    this.#deps.store.saveStatus(status);
    if (before !== undefined && status.health.status !== before) this.#emit({ type: 'health-changed', application: this.name, status });
    return status;
  }

  #summarize(pruneSkipped?: string): ApplicationStatus {
    const { application } = this.#deps.loaded;
    const now = this.#now();
    const fighting = this.#healer.fighting(now).map((id) => this.#desiredById.get(id)).filter((d) => d !== undefined);
    const previous = this.#status?.conditions ?? [];
    const summary = summarize({
      name: this.name,
      source: { repoURL: stripCredentials(application.spec.source.repoURL), ref: application.spec.source.ref, path: application.spec.source.path, ...(application.spec.source.chart === undefined ? {} : { chart: application.spec.source.chart }) },
      revision: this.#revision,
      appliedRevision: this.#appliedRevision,
      desired: this.#desired,
      live: this.#live,
      diffs: this.#diffs,
      fighting: fighting.map((d) => `${d.key.kind}/${d.key.name}`),
      fightingHints: fighting.map((d) => this.#healer.ignoreHint(d, this.#live)),
      diffOptions: this.#diffOptions,
      ...(this.#error === undefined ? {} : { error: this.#error }),
      ...(pruneSkipped === undefined ? {} : { pruneSkipped }),
      previous,
      now: new Date(now).toISOString(),
    });
    const checks = [...this.#checked.results(), ...(this.#deps.applicationChecks?.() ?? [])];
    this.#status = withHealthChecks(summary, checks, previous, new Date(now).toISOString());
    const selfHeal = selfHealState(this.#pauses);
    const revisionInfo = this.#revisionInfo?.sha === this.#revision ? this.#revisionInfo : undefined;
    if (selfHeal !== undefined || revisionInfo !== undefined) this.#status = { ...this.#status, ...(revisionInfo === undefined ? {} : { revisionInfo }), ...(selfHeal === undefined ? {} : { selfHeal }) };
    return this.#status;
  }

  #setDesired(desired: DesiredObject[]): void {
    this.#desired = desired;
    this.#resources = splitHooks(desired).resources;
    this.#desiredById = new Map(desired.map((d) => [keyId(d.key), d]));
    this.#watch.update(this.#resources);
  }

  #plan(): ReturnType<typeof planPass> {
    return planPass({ desired: this.#desired, live: this.#live, options: this.#diffOptions });
  }

  /**
   * Saves the inventory. When the apply failed too, a failed save (the destination namespace it
   * lives in is missing, say) is added to those failures instead of hiding them.
   */
  async #saveInventory(keys: readonly ObjectKey[], failures: ApplyFailure[]): Promise<void> {
    try {
      await this.#deps.target.saveInventory(keys, 'after-pass');
    } catch (error) {
      if (failures.length === 0) throw error;
      failures.push({ message: `the inventory was not saved: ${toPassError(error).message}` });
    }
  }

  #keysToObserve(inventory: readonly ObjectKey[]): ObjectKey[] {
    return keysToObserve(this.#resourceKeys(), inventory);
  }

  #resourceKeys(): ObjectKey[] {
    return this.#resources.map((d) => d.key);
  }

  #isHook(key: ObjectKey): boolean {
    const id = keyId(key);
    return this.#desiredById.has(id) && !this.#resources.some((r) => keyId(r.key) === id);
  }

  /**
   * Keeps the observation: every desired object, and each other inventoried one that exists (or
   * may: its observe failed). An inventoried object already gone is nothing to show or prune, so
   * it is never reported Missing; the pass then drops it from the inventory.
   */
  #setLive(live: LiveObject[]): void {
    this.#observedLive = live;
    this.#live = live.filter((object) => this.#desiredById.has(keyId(object.key)) || mayExist(object));
  }

  /**
   * Health changes between passes: the watch's reports, applied between passes and heals, never
   * during one. Each report is the newest the watch delivered, so it is never older than what a
   * pass in between observed. The status is summarized again only when an object's health moved.
   */
  #applyObserved(observed: ReadonlyMap<string, Manifest>): void {
    if (this.#status === undefined) return;
    const { live, healthMoved } = withObserved(this.#live, observed);
    this.#live = live;
    if (healthMoved) this.#saveSummary();
  }

  /** What the drift healer sees of this application and may change. */
  #driftHealer(): DriftHealer {
    const { target, store, loaded } = this.#deps;
    return new DriftHealer({
      name: this.name,
      provider: target.provider,
      store,
      now: this.#now,
      diffOptions: this.#diffOptions,
      desiredById: () => this.#desiredById,
      selfHeals: (id) => loaded.application.spec.syncPolicy.automated?.selfHeal === true && !healPaused(this.#pauses, id),
      observed: (id, live, diff) => {
        replaceLive(this.#live, id, live);
        this.#diffs.set(id, diff);
      },
      failed: (error) => {
        this.#error = error;
        this.#saveSummary();
      },
      saveSummary: () => void this.#saveSummary(),
      emit: (body) => this.#emit(body),
      exclusive: (body) => this.#exclusive(body),
    });
  }

  #emit(body: AgentEventBody): void {
    this.#deps.emit({ ...body, revision: this.#revision, pass: this.#passes });
  }

  #exclusive<T>(body: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(body, body);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
