/** Conditions `Ready`, `Reconciling`, `Stalled` (and `Fighting`), computed in one place. */
import type { Condition, ConditionType } from '@trueup/api';

export type ConditionInput = Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;

/**
 * Merges freshly computed conditions into the previous ones: `lastTransitionTime` moves only
 * when a condition's status changes. Conditions not given are dropped.
 */
export function mergeConditions(previous: readonly Condition[], next: readonly ConditionInput[], now: string): Condition[] {
  return next.map((condition) => {
    const before = previous.find((c) => c.type === condition.type);
    const lastTransitionTime = before !== undefined && before.status === condition.status ? before.lastTransitionTime : now;
    return { ...condition, lastTransitionTime };
  });
}

export function findCondition(conditions: readonly Condition[], type: ConditionType): Condition | undefined {
  return conditions.find((condition) => condition.type === type);
}

export const Reasons = {
  Succeeded: 'ReconciliationSucceeded',
  Progressing: 'Progressing',
  OutOfSync: 'OutOfSync',
  Unhealthy: 'Unhealthy',
  Failed: 'ReconciliationFailed',
  InvalidSource: 'InvalidSource',
  FetchFailed: 'ArtifactFailed',
  PruneSkipped: 'PruneSkipped',
  Fighting: 'DriftFighting',
} as const;
