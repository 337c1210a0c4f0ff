/** Plan one pass: per-object diffs, ordered waves, triggered reruns and the prune list. */
import { keyId, type ApplyReason, type ChangeAction, type DesiredObject, type LiveObject, type ObjectKey } from '@trueup/api';
import { diffObject, type DiffOptions, type ObjectDiff } from './object-diff.ts';
import { compareInWave, waveOf } from './order.ts';

export interface PlanStep {
  key: ObjectKey;
  action: ChangeAction;
  /** For apply steps: why the provider is called. */
  reason?: ApplyReason;
  desired?: DesiredObject;
  live: LiveObject;
  diff: ObjectDiff;
}

export interface Plan {
  /** Apply steps grouped in the order they must run; a wave starts when the previous one succeeded. */
  waves: PlanStep[][];
  /** Objects in the inventory that Git no longer declares, in prune order (reverse waves). */
  prune: PlanStep[];
  /** The diff of every object, desired or inventoried, by key id. */
  diffs: Map<string, ObjectDiff>;
}

export interface PlanInput {
  desired: readonly DesiredObject[];
  /** Live state of every desired key and every inventory key. */
  live: readonly LiveObject[];
  options?: DiffOptions;
}

export function planPass({ desired, live, options = {} }: PlanInput): Plan {
  const desiredById = new Map(desired.map((object) => [keyId(object.key), object]));
  const diffs = new Map<string, ObjectDiff>();
  const steps: PlanStep[] = [];
  const prune: PlanStep[] = [];
  for (const observed of live) {
    const id = keyId(observed.key);
    const wanted = desiredById.get(id);
    const diff = diffObject(wanted, observed, options);
    diffs.set(id, diff);
    if (diff.action === 'unchanged') continue;
    if (diff.action === 'delete') prune.push({ key: observed.key, action: 'delete', live: observed, diff });
    else steps.push({ key: observed.key, action: applyAction(observed.key, diff.action), reason: diff.action, desired: wanted!, live: observed, diff });
  }
  steps.push(...triggeredSteps(desired, live, steps, diffs));
  return { waves: groupInWaves(steps), prune: prune.sort((a, b) => -byWave(a, b)), diffs };
}

/** Commands and Services whose `onChange` names an object this pass changes, though they are unchanged. */
function triggeredSteps(desired: readonly DesiredObject[], live: readonly LiveObject[], steps: PlanStep[], diffs: Map<string, ObjectDiff>): PlanStep[] {
  const changed = new Set(steps.map((step) => `${step.key.kind}/${step.key.name}`));
  const liveById = new Map(live.map((object) => [keyId(object.key), object]));
  const triggered: PlanStep[] = [];
  for (const object of desired) {
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
  if (key.kind === 'Command') return 'run';
  if (key.kind === 'Service' && action === 'update') return 'restart';
  return action;
}

function groupInWaves(steps: PlanStep[]): PlanStep[][] {
  const waves = new Map<number, PlanStep[]>();
  for (const step of steps) {
    const wave = waveOf(step.key);
    waves.set(wave, [...(waves.get(wave) ?? []), step]);
  }
  return [...waves.entries()].sort(([a], [b]) => a - b).map(([, wave]) => wave.sort((a, b) => compareInWave(withManifest(a), withManifest(b))));
}

function byWave(a: PlanStep, b: PlanStep): number {
  return waveOf(a.key) - waveOf(b.key) || compareInWave(withManifest(a), withManifest(b));
}

function withManifest(step: PlanStep): { key: ObjectKey; manifest: DesiredObject['manifest'] | undefined } {
  return { key: step.key, manifest: step.desired?.manifest ?? step.live.manifest };
}

/** True when the plan changes nothing. */
export function isEmptyPlan(plan: Plan): boolean {
  return plan.waves.length === 0 && plan.prune.length === 0;
}
