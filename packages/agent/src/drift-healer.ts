/**
 * The drift path of one application: a signal from the provider's watch is coalesced per object,
 * observed afresh, recorded as a drift, and healed (re-applied) when self-heal is on and not
 * paused; heals that fight another writer are deferred (engine/fighting.ts). Heals run through
 * the application's queue, so they never overlap its passes.
 */
import { keyId, type DesiredObject, type DriftSignal, type LiveObject, type Provider } from '@trueup/api';
import { diffObject, fightingIds, objectToApply, recordHeal, suggestIgnore, type DiffOptions, type FightState, type ObjectDiff, type PassError } from '@trueup/engine';
import type { AgentEventBody } from './events.ts';
import { toPassError } from './pass-outcome.ts';
import type { StateStore } from './state-store.ts';

/** Signals for one object arriving within this window make one heal. */
const COALESCE_MS = 5;

/** A drift signal waiting to be healed; `driftId` is set once the event is recorded (a deferred heal). */
interface PendingHeal {
  signal: DriftSignal;
  at: number;
  driftId?: number;
  /** A deferred heal whose delay has not passed: its timer runs it, and signals meanwhile join it. */
  waiting?: boolean;
}

/** What the healer reads and changes of the application it heals (app-runtime.ts). */
export interface HealedApplication {
  readonly name: string;
  readonly provider: Provider;
  readonly store: StateStore;
  readonly now: () => number;
  readonly diffOptions: DiffOptions;
  /** The desired objects by key id, as last rendered. */
  desiredById(): ReadonlyMap<string, DesiredObject>;
  /** Whether a drift of this object is to be healed: self-heal on, neither it nor the application paused. */
  selfHeals(id: string): boolean;
  /** The object as just observed, and its diff against Git. */
  observed(id: string, live: LiveObject, diff: ObjectDiff): void;
  /** A heal's apply failed: the error stands in the status. */
  failed(error: PassError): void;
  saveSummary(): void;
  emit(body: AgentEventBody): void;
  /** Runs the body in the application's queue, after its pass or heal in progress. */
  exclusive(body: () => Promise<void>): Promise<void>;
}

export class DriftHealer {
  readonly #app: HealedApplication;
  #healing = new Map<string, PendingHeal>();
  #fights: FightState = new Map();
  /** The last drift of each object: its fields and who made it, for the Fighting hint. */
  #lastDrift = new Map<string, { fields: string[]; changedBy: string | undefined }>();

  constructor(app: HealedApplication) {
    this.#app = app;
  }

  /** Coalesces bursts of signals for one object into one heal. */
  onDrift(signal: DriftSignal): void {
    this.#schedule({ signal, at: this.#app.now() });
  }

  #schedule(pending: PendingHeal): void {
    const id = keyId(pending.signal.key);
    if (!this.#app.desiredById().has(id) || this.#healing.has(id)) return;
    this.#healing.set(id, pending);
    this.#healAfter(id, COALESCE_MS);
  }

  #healAfter(id: string, delayMs: number): void {
    setTimeout(() => void this.#app.exclusive(() => this.#heal(id)).catch((error: unknown) => this.#app.emit({ type: 'error', application: this.#app.name, message: String(error) })), delayMs);
  }

  /** The key ids of the objects healed so often that another writer is fighting over them. */
  fighting(now: number): string[] {
    return fightingIds(this.#fights, now);
  }

  /** The ignoreDifferences entry that would end a fight over this object. */
  ignoreHint(desired: DesiredObject, live: readonly LiveObject[]): string {
    const drift = this.#lastDrift.get(keyId(desired.key));
    if (drift === undefined) return '';
    const object = live.find((l) => keyId(l.key) === keyId(desired.key));
    return suggestIgnore(desired.key, drift.fields, drift.changedBy, object?.manifest);
  }

  async #heal(id: string): Promise<void> {
    const app = this.#app;
    const pending = this.#healing.get(id);
    if (pending?.waiting === true) return; // deferred: its timer heals it
    this.#healing.delete(id);
    const desired = app.desiredById().get(id);
    if (pending === undefined || desired === undefined) return;
    const [live] = await app.provider.observe([desired.key], app.desiredById());
    if (live === undefined) return;
    const diff = diffObject(desired, live, app.diffOptions);
    app.observed(id, live, diff);
    if (diff.action === 'unchanged' || diff.action === 'delete') {
      app.saveSummary();
      return;
    }
    const deferred = pending.driftId !== undefined;
    const driftId = pending.driftId ?? this.#recordDrift(desired, pending, diff);
    if (!app.selfHeals(id)) {
      app.saveSummary();
      return;
    }
    if (!deferred) {
      const decision = recordHeal(this.#fights, id, app.now());
      this.#fights = decision.state;
      if (decision.delayMs > 0) {
        app.saveSummary();
        app.emit({ type: 'heal-deferred', application: app.name, key: desired.key, delayMs: decision.delayMs });
        // Held until the delay passes: a change meanwhile (or the rest of this one, reported late) joins this heal, not a new drift.
        const held: PendingHeal = { ...pending, driftId, waiting: true };
        this.#healing.set(id, held);
        setTimeout(() => {
          held.waiting = false;
          this.#healAfter(id, 0);
        }, decision.delayMs);
        return;
      }
    }
    try {
      await app.provider.apply({ desired: objectToApply(desired, live, app.diffOptions), live, reason: diff.action });
    } catch (error) {
      app.failed(toPassError(error));
      return;
    }
    const [after] = await app.provider.observe([desired.key], app.desiredById());
    if (after !== undefined) app.observed(id, after, diffObject(desired, after, app.diffOptions));
    app.store.markHealed(driftId, new Date(app.now()).toISOString());
    app.emit({ type: 'drift-healed', application: app.name, key: desired.key, durationMs: app.now() - pending.at });
    app.saveSummary();
  }

  #recordDrift(desired: DesiredObject, pending: PendingHeal, diff: ObjectDiff): number {
    const fields = diff.action === 'update' ? diff.fields : ['(absent)'];
    const detectedAt = new Date(pending.at).toISOString();
    const { changedBy } = pending.signal;
    this.#lastDrift.set(keyId(desired.key), { fields, changedBy });
    const id = this.#app.store.recordDrift({ application: this.#app.name, key: desired.key, source: pending.signal.source, fields, detectedAt, ...(changedBy === undefined ? {} : { changedBy }) });
    this.#app.emit({ type: 'drift-detected', application: this.#app.name, key: desired.key, source: pending.signal.source, fields, ...(changedBy === undefined ? {} : { changedBy }) });
    return id;
  }
}

/** Puts a fresh observation of one object in place of the old one in a list of live objects. */
export function replaceLive(list: LiveObject[], id: string, live: LiveObject): void {
  const index = list.findIndex((l) => keyId(l.key) === id);
  if (index >= 0) list[index] = live;
  else list.push(live);
}
