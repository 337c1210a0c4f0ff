/**
 * Runs a plan: wave by wave (each wave's objects, then its hooks, then what the wave waits for),
 * then prune, then PostSync hooks once everything is Healthy; SyncFail hooks when anything
 * failed. Reports every change, failed or not.
 */
import { displayKey, isTrueupError, keyId, originOfField, type AppliedChange, type DesiredObject, type LiveObject, type ObjectKey, type Origin, type Provider } from '@trueup/api';
import { freshHookName, healthOf, hookWaves, type HookStep, type Plan, type PlanStep } from '@trueup/engine';

/** Kinds whose objects in one wave do not depend on each other, so they apply in parallel. */
const PARALLEL_KINDS = new Set(['File', 'Symlink']);
const PARALLELISM = 16;
const POLL_MS = 100;
export const DEFAULT_WAVE_TIMEOUT_MS = 5 * 60_000;

export interface ApplyFailure {
  /** `file:line: Kind/name: message [CODE]`, the file being the manifest in the repository. */
  message: string;
  origin?: Origin;
  /** False when only a change in Git can fix it (an invalid object, an immutable field). */
  retryable?: boolean;
}

export interface ApplyOutcome {
  changes: AppliedChange[];
  /** Failed steps; empty when all succeeded. */
  failures: ApplyFailure[];
}

export interface ApplyOptions {
  prune: boolean;
  /** How long a wave may wait for its objects or hooks; default 5 minutes. */
  waveTimeoutMs?: number;
}

export async function applyPlan(provider: Provider, plan: Plan, options: ApplyOptions): Promise<ApplyOutcome> {
  const run = new PlanRun(provider, options.waveTimeoutMs ?? DEFAULT_WAVE_TIMEOUT_MS);
  await run.execute(plan, options.prune);
  return { changes: run.changes, failures: run.failures };
}

class PlanRun {
  readonly changes: AppliedChange[] = [];
  readonly failures: ApplyFailure[] = [];
  readonly #provider: Provider;
  readonly #timeoutMs: number;
  readonly #applied: DesiredObject[] = [];
  /** Names the runs of `generateName` hooks in this sync apart from those of every other sync. */
  readonly #runToken = Date.now().toString(36);

  constructor(provider: Provider, timeoutMs: number) {
    this.#provider = provider;
    this.#timeoutMs = timeoutMs;
  }

  async execute(plan: Plan, prune: boolean): Promise<void> {
    if (!(await this.#sync(plan, prune)) && plan.hooks.SyncFail.length > 0) await this.#hookGroups(plan.hooks.SyncFail);
  }

  /** True when the sync succeeded. */
  async #sync(plan: Plan, prune: boolean): Promise<boolean> {
    for (const wave of plan.waves) {
      await this.#applySteps(wave.steps);
      if (this.failures.length > 0) return false; // later waves depend on this one
      if (wave.hooks.length > 0 && !(await this.#runHooks(wave.hooks))) return false;
      if (wave.waitFor !== 'none' && !(await this.#waitHealthy(wave.steps.map((s) => s.desired!), `wave ${wave.wave} (${wave.waitFor})`))) return false;
    }
    if (prune) for (const step of plan.prune) await this.#step(step, () => this.#provider.delete(step.live));
    if (this.failures.length > 0) return false;
    if (plan.hooks.PostSync.length === 0 || plan.waves.length === 0) return true;
    if (!(await this.#waitHealthy(this.#applied, 'PostSync'))) return false;
    return this.#hookGroups(plan.hooks.PostSync);
  }

  async #applySteps(steps: PlanStep[]): Promise<void> {
    const apply = (step: PlanStep): Promise<void> => this.#step(step, async () => {
      await this.#provider.apply({ desired: step.desired!, live: step.live, reason: step.reason ?? 'update' });
      this.#applied.push(step.desired!);
    });
    if (steps.every((step) => PARALLEL_KINDS.has(step.key.kind))) await forEachLimited(steps, PARALLELISM, apply);
    else for (const step of steps) await apply(step);
  }

  async #hookGroups(hooks: readonly HookStep[]): Promise<boolean> {
    for (const group of hookWaves(hooks)) if (!(await this.#runHooks(group))) return false;
    return true;
  }

  /**
   * Creates the hooks (replacing old runs first; a `generateName` hook under a fresh name), waits
   * for them to finish, applies delete policies.
   */
  async #runHooks(steps: readonly HookStep[]): Promise<boolean> {
    const hooks = steps.map((hook) => this.#named(hook));
    const byId = new Map(hooks.map((hook) => [keyId(hook.key), hook.desired]));
    for (const hook of hooks) {
      const ok = await this.#change(hook.key, 'create', hook.desired, async () => {
        const [live] = await this.#provider.observe([hook.key], byId);
        if (live?.manifest !== undefined) {
          await this.#provider.delete(live);
          await this.#until([hook.key], byId, (l) => l.manifest === undefined ? true : undefined, `the previous ${displayKey(hook.key)} to be deleted`);
        }
        await this.#provider.apply({ desired: hook.desired, live: { key: hook.key, manifest: undefined }, reason: 'create' });
      });
      if (!ok) return false;
    }
    let failed: string | undefined;
    try {
      await this.#until(hooks.map((h) => h.key), byId, (live) => {
        const health = healthOf(live);
        if (health.status === 'Healthy') return true;
        if (health.status === 'Degraded') throw new Error(`hook ${displayKey(live.key)} failed: ${health.message ?? 'Degraded'}`);
        return undefined;
      }, 'hooks to finish');
    } catch (error) {
      failed = error instanceof Error ? error.message : String(error);
      this.failures.push({ message: failed });
    }
    const outcome = failed === undefined ? 'HookSucceeded' : 'HookFailed';
    const finished = await this.#provider.observe(hooks.map((h) => h.key), byId);
    for (const [index, hook] of hooks.entries()) {
      const live = finished[index];
      if (live?.manifest !== undefined && hook.deletePolicies.includes(outcome)) await this.#change(hook.key, 'delete', hook.desired, () => this.#provider.delete(live));
    }
    return failed === undefined;
  }

  /** A `generateName` hook as this sync creates it: a name of its own, unique to this run. */
  #named(hook: HookStep): HookStep {
    if (hook.generateName === undefined) return hook;
    const name = freshHookName(hook.generateName, hook.desired.manifest, `${hook.phase}-${this.#runToken}`);
    const key = { ...hook.key, name };
    return { ...hook, key, desired: { ...hook.desired, key, manifest: { ...hook.desired.manifest, metadata: { ...hook.desired.manifest.metadata, name } } } };
  }

  async #waitHealthy(objects: readonly DesiredObject[], what: string): Promise<boolean> {
    if (objects.length === 0) return true;
    const byId = new Map(objects.map((o) => [keyId(o.key), o]));
    try {
      await this.#until(objects.map((o) => o.key), byId, (live) => healthOf(live).status === 'Healthy' ? true : undefined, `${what}: objects to be Healthy`);
      return true;
    } catch (error) {
      this.failures.push({ message: error instanceof Error ? error.message : String(error) });
      return false;
    }
  }

  /** Polls observe until `done` holds for every key; observe reads a watched cache, so polling is cheap. */
  async #until(keys: readonly ObjectKey[], desired: ReadonlyMap<string, DesiredObject>, done: (live: LiveObject) => true | undefined, what: string): Promise<void> {
    const deadline = Date.now() + this.#timeoutMs;
    let waiting: LiveObject[] = [];
    for (;;) {
      const live = await this.#provider.observe(keys, desired);
      waiting = live.filter((l) => done(l) !== true);
      if (waiting.length === 0) return;
      if (Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const names = waiting.slice(0, 3).map((l) => `${displayKey(l.key)} (${healthOf(l).message ?? healthOf(l).status})`).join(', ');
    throw new Error(`timed out after ${Math.round(this.#timeoutMs / 1000)} s waiting for ${what}: ${names}`);
  }

  #step(step: PlanStep, call: () => Promise<void>): Promise<void> {
    return this.#change(step.key, step.action, step.desired, call).then(() => undefined);
  }

  async #change(key: ObjectKey, action: AppliedChange['action'], desired: DesiredObject | undefined, call: () => Promise<void>): Promise<boolean> {
    try {
      await call();
      this.changes.push({ key, action });
      return true;
    } catch (error) {
      const message = isTrueupError(error) ? `${error.describe()} [${error.code}]` : error instanceof Error ? error.message : String(error);
      this.changes.push({ key, action, error: message });
      const origin = desired === undefined ? undefined : originOfField(desired, isTrueupError(error) ? error.location.field : undefined);
      const where = origin === undefined ? '' : `${origin.file}:${origin.line}: `;
      const named = message.startsWith(`${displayKey(key)}: `) ? message : `${displayKey(key)}: ${message}`; // the provider's message may name the object already
      this.failures.push({ message: `${where}${named}`, retryable: !isTrueupError(error) || error.retryable, ...(origin === undefined ? {} : { origin }) });
      return false;
    }
  }
}

async function forEachLimited<T>(items: readonly T[], limit: number, body: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await body(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
