/** Applies a plan wave by wave, then prunes; reports every change, failed or not. */
import { displayKey, isTrueupError, type AppliedChange, type Origin, type Provider } from '@trueup/api';
import type { Plan, PlanStep } from '@trueup/engine';

/** Kinds whose objects in one wave do not depend on each other, so they apply in parallel. */
const PARALLEL_KINDS = new Set(['File', 'Symlink']);
const PARALLELISM = 16;

export interface ApplyFailure {
  /** `file:line: Kind/name: message [CODE]`, the file being the manifest in the repository. */
  message: string;
  origin?: Origin;
}

export interface ApplyOutcome {
  changes: AppliedChange[];
  /** Failed steps; empty when all succeeded. */
  failures: ApplyFailure[];
}

export async function applyPlan(provider: Provider, plan: Plan, options: { prune: boolean }): Promise<ApplyOutcome> {
  const changes: AppliedChange[] = [];
  const failures: ApplyFailure[] = [];
  const run = async (step: PlanStep, call: () => Promise<void>): Promise<void> => {
    try {
      await call();
      changes.push({ key: step.key, action: step.action });
    } catch (error) {
      const message = isTrueupError(error) ? `${error.describe()} [${error.code}]` : error instanceof Error ? error.message : String(error);
      changes.push({ key: step.key, action: step.action, error: message });
      const origin = step.desired?.origin;
      const where = origin === undefined ? '' : `${origin.file}:${origin.line}: `;
      failures.push({ message: `${where}${displayKey(step.key)}: ${message}`, ...(origin === undefined ? {} : { origin }) });
    }
  };
  for (const wave of plan.waves) {
    const apply = (step: PlanStep): Promise<void> => run(step, () => provider.apply({ desired: step.desired!, live: step.live, reason: step.reason ?? 'update' }));
    const parallel = wave.every((step) => PARALLEL_KINDS.has(step.key.kind));
    if (parallel) await forEachLimited(wave, PARALLELISM, apply);
    else for (const step of wave) await apply(step);
    if (failures.length > 0) return { changes, failures }; // later waves depend on this one
  }
  if (options.prune) for (const step of plan.prune) await run(step, () => provider.delete(step.live));
  return { changes, failures };
}

async function forEachLimited<T>(items: readonly T[], limit: number, body: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await body(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
