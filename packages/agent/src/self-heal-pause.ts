/**
 * Pausing self-heal (pure): what a pause holds back and how the status shows it. A pause of the
 * whole application or of one object keeps automation (drift heals, passes on an interval or a
 * refresh) from changing what is paused while Git has not moved past the applied revision; drift
 * is still detected and reported. A sync a person asks for, or a new revision, applies as usual.
 */
import { keyId, PLAN_MAX_ENTRIES, type PlannedChange, type SelfHealPause, type SelfHealState } from '@trueup/api';
import type { Plan, PlanStep } from '@trueup/engine';

/** The key of the application-wide pause in the map of pauses; objects are keyed by key id. */
export const WHOLE_APPLICATION = '';

export type Pauses = ReadonlyMap<string, SelfHealPause>;

export function selfHealState(pauses: Pauses): SelfHealState | undefined {
  if (pauses.size === 0) return undefined;
  const whole = pauses.get(WHOLE_APPLICATION);
  const objects = [...pauses].filter(([object]) => object !== WHOLE_APPLICATION).map(([object, pause]) => ({ object, ...pause }));
  return { state: whole === undefined ? 'active' : 'paused', ...(whole === undefined ? {} : { pause: whole }), objects };
}

/** Whether automation may heal this object now. */
export function healPaused(pauses: Pauses, objectId: string): boolean {
  return pauses.has(WHOLE_APPLICATION) || pauses.has(objectId);
}

/**
 * The plan an automatic pass may run: without the paused objects, or nothing at all when the
 * whole application is paused. `gitMoved` (a revision not applied yet) lifts the hold: Git
 * changed, so what is applied is Git's change, not a heal.
 */
export function heldPlan(plan: Plan, pauses: Pauses, gitMoved: boolean): Plan {
  if (pauses.size === 0 || gitMoved) return plan;
  const keep = (step: PlanStep): boolean => !healPaused(pauses, keyId(step.key));
  const prune = plan.prune.filter(keep);
  const waves = plan.waves.map((wave) => ({ ...wave, steps: wave.steps.filter(keep) }));
  // Hooks run only around something to apply: with everything held, nothing runs.
  const anything = prune.length > 0 || waves.some((wave) => wave.steps.length > 0);
  return { ...plan, waves: anything ? waves.filter((wave, i) => wave.steps.length > 0 || plan.waves[i]?.steps.length === 0) : [], prune };
}

/** What a sync of this plan would change, in apply order, prunes last (when pruning); bounded for the link. */
export function plannedChanges(plan: Plan, prune: boolean): { plan: PlannedChange[]; omitted: number } {
  const steps = [...plan.waves.flatMap((wave) => wave.steps), ...(prune ? plan.prune : [])];
  const all = steps.map((step): PlannedChange => ({
    object: keyId(step.key),
    action: step.action,
    ...(step.diff.action === 'update' ? { fields: step.diff.fields.slice(0, 100) } : {}),
  }));
  return { plan: all.slice(0, PLAN_MAX_ENTRIES), omitted: Math.max(0, all.length - PLAN_MAX_ENTRIES) };
}
