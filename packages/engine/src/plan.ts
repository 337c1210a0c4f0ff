/**
 * Plan one pass: per-object diffs, ordered waves (with the hooks that run in them), triggered
 * reruns, the prune list, and the hooks that run around the sync. The order is order.ts's.
 */
import { keyId, type ApplyReason, type ChangeAction, type DesiredObject, type LiveObject, type ObjectKey } from '@trueup/api';
import { compareHooks, isHook, splitHooks, validateSyncAnnotations, type HookStep, type HooksByPhase, type SyncAnnotationProblem } from './hooks.ts';
import { diffObject, type DiffOptions, type ObjectDiff } from './object-diff.ts';
import { compareApplyOrder, compareInWave, compareWaves, isHostKey, waveOf, type WaveId, type WavePhase } from './order.ts';
import { pruneForbidden } from './object-sync-options.ts';
import { objectToApply } from './respect-ignore.ts';

export interface PlanStep {
  key: ObjectKey;
  action: ChangeAction;
  /** For apply steps: why the provider is called. */
  reason?: ApplyReason;
  desired?: DesiredObject;
  live: LiveObject;
  diff: ObjectDiff;
}

/**
 * What must hold after a wave before the next wave starts:
 * - `none`: its steps succeeded (host waves, the last Sync wave, PreSync waves);
 * - `established`: every CustomResourceDefinition of the wave has condition Established=True
 *   and every Namespace has `status.phase: Active`;
 * - `healthy`: every object the wave applied is Healthy (a Sync wave with a later wave).
 * Whatever it says, the hooks of a wave must have finished successfully first. After the last
 * wave, PostSync hooks need every applied object Healthy (see `needsSync`).
 */
export type WaveWait = 'none' | 'established' | 'healthy';

export interface PlanWave {
  phase: WavePhase;
  wave: number;
  /** Objects to apply, in order; empty for a wave that only runs hooks. */
  steps: PlanStep[];
  /** PreSync or Sync hooks of this wave, in order: created after `steps` were applied. */
  hooks: HookStep[];
  waitFor: WaveWait;
}

export interface Plan {
  /**
   * What a sync runs, in order; a wave starts when the previous one succeeded and its `waitFor`
   * holds. Waves with steps exist only for objects that change. PreSync and Sync hooks are put
   * in waves only when the pass has something to apply or prune, so a pass in sync runs no hooks.
   */
  waves: PlanWave[];
  /** Objects in the inventory that Git no longer declares, in prune order (apply order reversed). */
  prune: PlanStep[];
  /** Objects Git no longer declares that forbid their own prune (object-sync-options.ts): kept, OutOfSync. */
  kept: PlanStep[];
  /** The diff of every resource, desired or inventoried, by key id; hooks have none. */
  diffs: Map<string, ObjectDiff>;
  /**
   * Every hook Git declares, by phase, in run order. PreSync and Sync hooks also sit in `waves`
   * when they run; PostSync and SyncFail run only from here (see `needsSync`).
   */
  hooks: HooksByPhase;
  /** Invalid sync annotations (`validateSyncAnnotations`): when any, apply and prune nothing. */
  problems: SyncAnnotationProblem[];
}

export interface PlanInput {
  /** Rendered objects, hooks included: planPass sets the hooks apart. */
  desired: readonly DesiredObject[];
  /** Live state of every desired key and every inventory key. */
  live: readonly LiveObject[];
  options?: DiffOptions;
}

export function planPass({ desired, live, options = {} }: PlanInput): Plan {
  const split = splitHooks(desired);
  const resourcesById = new Map(split.resources.map((object) => [keyId(object.key), object]));
  const notResources = new Set([...desired.map((object) => keyId(object.key)), ...allHooks(split.hooks).map((hook) => keyId(hook.key))].filter((id) => !resourcesById.has(id)));
  const diffs = new Map<string, ObjectDiff>();
  const steps: PlanStep[] = [];
  const prune: PlanStep[] = [];
  const kept: PlanStep[] = [];
  for (const observed of live) {
    const id = keyId(observed.key);
    const wanted = resourcesById.get(id);
    if (wanted === undefined && (notResources.has(id) || isHook(observed))) continue; // hooks are never diffed or pruned
    const diff = diffObject(wanted, observed, options);
    diffs.set(id, diff);
    if (diff.action === 'unchanged') continue;
    if (diff.action === 'delete') (pruneForbidden(observed.manifest) ? kept : prune).push({ key: observed.key, action: 'delete', live: observed, diff });
    else steps.push({ key: observed.key, action: applyAction(observed.key, diff.action), reason: diff.action, desired: objectToApply(wanted!, observed, options), live: observed, diff });
  }
  steps.push(...triggeredSteps(split.resources, live, steps, diffs));
  const syncing = steps.length > 0 || prune.length > 0;
  return {
    waves: groupInWaves(steps, syncing ? split.hooks : undefined),
    prune: prune.sort((a, b) => -compareApplyOrder(ordered(a), ordered(b))),
    kept,
    diffs,
    hooks: split.hooks,
    problems: validateSyncAnnotations(desired),
  };
}

/** Host Commands and Services whose `onChange` names an object this pass changes, though they are unchanged. */
function triggeredSteps(desired: readonly DesiredObject[], live: readonly LiveObject[], steps: PlanStep[], diffs: Map<string, ObjectDiff>): PlanStep[] {
  const changed = new Set(steps.filter((step) => isHostKey(step.key)).map((step) => `${step.key.kind}/${step.key.name}`));
  const liveById = new Map(live.map((object) => [keyId(object.key), object]));
  const triggered: PlanStep[] = [];
  for (const object of desired) {
    if (!isHostKey(object.key)) continue;
    const onChange = object.manifest.spec?.onChange;
    if (!Array.isArray(onChange) || !onChange.some((ref) => changed.has(String(ref)))) continue;
    const id = keyId(object.key);
    const observed = liveById.get(id);
    if (observed === undefined || diffs.get(id)?.action !== 'unchanged') continue;
    triggered.push({ key: object.key, action: object.key.kind === 'Command' ? 'run' : 'restart', reason: 'trigger', desired: object, live: observed, diff: { action: 'unchanged' } });
  }
  return triggered;
}

function applyAction(key: ObjectKey, action: 'create' | 'update'): ChangeAction {
  if (!isHostKey(key)) return action;
  if (key.kind === 'Command') return 'run';
  if (key.kind === 'Service' && action === 'update') return 'restart';
  return action;
}

/** Groups steps (and, when given, PreSync and Sync hooks) by wave, sorts, and sets each wave's wait. */
function groupInWaves(steps: readonly PlanStep[], hooks: HooksByPhase | undefined): PlanWave[] {
  const waves = new Map<string, PlanWave>();
  const waveFor = (id: WaveId): PlanWave => {
    const name = `${id.phase}/${id.wave}`;
    let wave = waves.get(name);
    if (wave === undefined) waves.set(name, (wave = { phase: id.phase, wave: id.wave, steps: [], hooks: [], waitFor: 'none' }));
    return wave;
  };
  for (const step of steps) waveFor(waveOf(step.key, ordered(step).manifest)).steps.push(step);
  for (const hook of hooks?.PreSync ?? []) waveFor({ phase: 'PreSync', wave: hook.wave }).hooks.push(hook);
  for (const hook of hooks?.Sync ?? []) waveFor({ phase: 'Sync', wave: hook.wave }).hooks.push(hook);
  const sorted = [...waves.values()].sort(compareWaves);
  for (const [index, wave] of sorted.entries()) {
    wave.steps.sort((a, b) => compareInWave(ordered(a), ordered(b)));
    wave.hooks.sort(compareHooks);
    wave.waitFor = waitAfter(wave, sorted[index + 1]);
  }
  return sorted;
}

function waitAfter(wave: PlanWave, next: PlanWave | undefined): WaveWait {
  switch (wave.phase) {
    case 'Host':
    case 'PreSync':
      return 'none';
    case 'Bootstrap':
      return 'established';
    case 'Sync':
      return next === undefined ? 'none' : 'healthy';
  }
}

function ordered(step: PlanStep): { key: ObjectKey; manifest: DesiredObject['manifest'] | undefined } {
  return { key: step.key, manifest: step.desired?.manifest ?? step.live.manifest };
}

function allHooks(hooks: HooksByPhase): HookStep[] {
  return [...hooks.PreSync, ...hooks.Sync, ...hooks.PostSync, ...hooks.SyncFail];
}

/** True when the plan changes nothing. */
export function isEmptyPlan(plan: Plan): boolean {
  return plan.waves.length === 0 && plan.prune.length === 0;
}

/**
 * Whether this pass is a sync: something to apply, or something to prune with prune allowed.
 * Only then do hooks run (the PreSync and Sync hooks in `waves`, PostSync, SyncFail).
 */
export function needsSync(plan: Plan, options: { prune: boolean }): boolean {
  return plan.waves.some((wave) => wave.steps.length > 0) || (options.prune && plan.prune.length > 0);
}
