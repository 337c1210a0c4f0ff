/**
 * One application inside the agent: its reconcile pass (fetch → render → observe → plan → apply
 * → prune → summarize), its drift heals, and the in-memory state between them. Passes and heals
 * of one application never overlap.
 */
import { hasSyncOption, keyId, LINK_FALLBACK_GIT_POLL_MS, parseDuration, type AppliedChange, type ApplicationStatus, type DesiredObject, type DriftSignal, type LiveObject, type Manifest, type ObjectKey, type PassTrigger, type PlannedChange, type ReadResult, type RevisionInfo, type SelfHealPause } from '@trueup/api';
import { diffObject, fightingIds, inventoryAfterPass, inventoryBeforeApply, keysToObserve, mayExist, objectToApply, planPass, recordHeal, splitHooks, suggestIgnore, summarize, withObserved, type DiffOptions, type FightState, type ObjectDiff, type PassError } from '@trueup/engine';
import { stripCredentials, type GitCache } from '@trueup/git';
import { applyPlan, type ApplyFailure } from './apply-plan.ts';
import type { ChartCache } from './chart-cache.ts';
import { ObservedBatch } from './observed-batch.ts';
import type { AgentEventBody, AgentListener } from './events.ts';
import { CheckedObjects, withHealthChecks, type CheckResult } from './health-checks.ts';
import type { LoadedApplication } from './load-applications.ts';
import { readObject } from './object-read.ts';
import { applyError, historyEntry, pruneNote, sameKeys, toPassError } from './pass-outcome.ts';
import { healPaused, heldPlan, plannedChanges, selfHealState, WHOLE_APPLICATION } from './self-heal-pause.ts';
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
/**
 * A pass on its interval takes where the ref pointed up to this long ago (at most half the
 * interval) when another application's listing of the same repository says so: one
 * `git ls-remote` serves every application on the repository in that time.
 */
const SHARED_LISTING_MAX_AGE_MS = 5000;

/** A drift signal waiting to be healed; `driftId` is set once the event is recorded (a deferred heal). */
interface PendingHeal {
  signal: DriftSignal;
  at: number;
  driftId?: number;
}

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

/**
 * Whether a linked hub that polls can list this source itself: anonymous HTTP(S), as the hub
 * holds no credentials. Then the hub tells the agent of a new commit, and the agent's own look on
 * an interval pass becomes a slow fallback.
 */
export function hubPollsSource(source: { repoURL: string; credentials?: unknown; chart?: unknown }): boolean {
  return source.chart === undefined && source.credentials === undefined && /^https?:\/\/[^@/]+\//i.test(source.repoURL);
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
  readonly #listingMaxAgeMs: number;
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
  #fights: FightState = new Map();
  #queue: Promise<unknown> = Promise.resolve();
  #passes = 0;
  #healing = new Map<string, PendingHeal>();
  /** The last drift of each object: its fields and who made it, for the Fighting hint. */
  #lastDrift = new Map<string, { fields: string[]; changedBy: string | undefined }>();
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
    this.#listingMaxAgeMs = Math.min(SHARED_LISTING_MAX_AGE_MS, (parseDuration(syncPolicy.interval) ?? 0) / 2);
    this.#observed = new ObservedBatch(OBSERVED_BATCH_MS, (batch) => {
      void this.#exclusive(async () => this.#applyObserved(batch)).catch((error: unknown) => this.#emit({ type: 'error', application: this.name, message: String(error) }));
    });
    this.#watch = deps.target.provider.watch((signal) => this.#onDrift(signal), (key, manifest) => {
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
    const { loaded } = this.#deps;
    const { source } = loaded.application.spec;
    const startedAt = this.#now();
    this.#passes++;
    this.#emit({ type: 'pass-started', application: this.name, trigger });
    try {
      const maxAgeMs = trigger !== 'interval' ? 0 : (this.#deps.hubGitPollMs?.() ?? 0) > 0 && hubPollsSource(source) ? LINK_FALLBACK_GIT_POLL_MS : this.#listingMaxAgeMs;
      const artifact = source.chart === undefined
        ? await this.#deps.git.sync(source, { baseDir: loaded.baseDir, lastRevision: this.#renderedRevision, maxAgeMs })
        : await this.#deps.charts.sync({ ...source, chart: source.chart }, { baseDir: loaded.baseDir });
      this.#revision = artifact.revision;
      if (source.chart === undefined && this.#revisionInfo?.sha !== artifact.revision) {
        this.#revisionInfo = await this.#deps.git.commitInfo(source, artifact.revision, { baseDir: loaded.baseDir }).catch(() => undefined);
      }
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
    const fighting = fightingIds(this.#fights, now).map((id) => this.#desiredById.get(id)).filter((d) => d !== undefined);
    const previous = this.#status?.conditions ?? [];
    const summary = summarize({
      name: this.name,
      source: { repoURL: stripCredentials(application.spec.source.repoURL), ref: application.spec.source.ref, path: application.spec.source.path },
      revision: this.#revision,
      appliedRevision: this.#appliedRevision,
      desired: this.#desired,
      live: this.#live,
      diffs: this.#diffs,
      fighting: fighting.map((d) => `${d.key.kind}/${d.key.name}`),
      fightingHints: fighting.map((d) => this.#ignoreHint(d)),
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

  /** The ignoreDifferences entry that would end a fight over this object. */
  #ignoreHint(desired: DesiredObject): string {
    const drift = this.#lastDrift.get(keyId(desired.key));
    if (drift === undefined) return '';
    const live = this.#live.find((l) => keyId(l.key) === keyId(desired.key));
    return suggestIgnore(desired.key, drift.fields, drift.changedBy, live?.manifest);
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

  /** Coalesces bursts of signals for one object into one heal. */
  #onDrift(signal: DriftSignal, deferred?: PendingHeal): void {
    const id = keyId(signal.key);
    if (!this.#desiredById.has(id) || this.#healing.has(id)) return;
    this.#healing.set(id, deferred ?? { signal, at: this.#now() });
    setTimeout(() => void this.#exclusive(() => this.#heal(id)).catch((error: unknown) => this.#emit({ type: 'error', application: this.name, message: String(error) })), 5);
  }

  async #heal(id: string): Promise<void> {
    const pending = this.#healing.get(id);
    this.#healing.delete(id);
    const desired = this.#desiredById.get(id);
    if (pending === undefined || desired === undefined) return;
    const { target: { provider }, store, loaded } = this.#deps;
    const [live] = await provider.observe([desired.key], this.#desiredById);
    if (live === undefined) return;
    this.#replaceLive(id, live);
    const diff = diffObject(desired, live, this.#diffOptions);
    this.#diffs.set(id, diff);
    if (diff.action === 'unchanged' || diff.action === 'delete') {
      this.#saveSummary();
      return;
    }
    const deferred = pending.driftId !== undefined;
    const driftId = pending.driftId ?? this.#recordDrift(desired, pending, diff);
    if (loaded.application.spec.syncPolicy.automated?.selfHeal !== true || healPaused(this.#pauses, id)) {
      this.#saveSummary();
      return;
    }
    if (!deferred) {
      const decision = recordHeal(this.#fights, id, this.#now());
      this.#fights = decision.state;
      if (decision.delayMs > 0) {
        this.#saveSummary();
        this.#emit({ type: 'heal-deferred', application: this.name, key: desired.key, delayMs: decision.delayMs });
        setTimeout(() => this.#onDrift(pending.signal, { ...pending, driftId }), decision.delayMs);
        return;
      }
    }
    try {
      await provider.apply({ desired: objectToApply(desired, live, this.#diffOptions), live, reason: diff.action });
    } catch (error) {
      this.#error = toPassError(error);
      this.#saveSummary();
      return;
    }
    const [after] = await provider.observe([desired.key], this.#desiredById);
    if (after !== undefined) {
      this.#replaceLive(id, after);
      this.#diffs.set(id, diffObject(desired, after, this.#diffOptions));
    }
    store.markHealed(driftId, new Date(this.#now()).toISOString());
    this.#emit({ type: 'drift-healed', application: this.name, key: desired.key, durationMs: this.#now() - pending.at });
    this.#saveSummary();
  }

  #recordDrift(desired: DesiredObject, pending: PendingHeal, diff: ObjectDiff): number {
    const fields = diff.action === 'update' ? diff.fields : ['(absent)'];
    const detectedAt = new Date(pending.at).toISOString();
    const { changedBy } = pending.signal;
    this.#lastDrift.set(keyId(desired.key), { fields, changedBy });
    const id = this.#deps.store.recordDrift({ application: this.name, key: desired.key, source: pending.signal.source, fields, detectedAt, ...(changedBy === undefined ? {} : { changedBy }) });
    this.#emit({ type: 'drift-detected', application: this.name, key: desired.key, source: pending.signal.source, fields, ...(changedBy === undefined ? {} : { changedBy }) });
    return id;
  }

  #emit(body: AgentEventBody): void {
    this.#deps.emit({ ...body, revision: this.#revision, pass: this.#passes });
  }

  #replaceLive(id: string, live: LiveObject): void {
    const index = this.#live.findIndex((l) => keyId(l.key) === id);
    if (index >= 0) this.#live[index] = live;
    else this.#live.push(live);
  }

  #exclusive<T>(body: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(body, body);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
