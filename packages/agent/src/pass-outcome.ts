/**
 * What a reconcile pass reports, shaped from its parts: why prune was held back, the error of a
 * failed apply, any thrown error as a status error (credentials stripped).
 */
import { isTrueupError, keyId, type ObjectKey } from '@trueup/api';
import type { PassError, Plan } from '@trueup/engine';
import { stripCredentials } from '@trueup/git';
import type { ApplyFailure } from './apply-plan.ts';
import { AgentErrors } from './errors.ts';

/** Why some of what Git dropped was not pruned; undefined when nothing was held back. */
export function pruneNote(plan: Pick<Plan, 'prune' | 'kept'>, pruning: boolean, emptyRender: boolean): string | undefined {
  const notes: string[] = [];
  if (plan.prune.length > 0 && !pruning) notes.push(emptyRender ? AgentErrors.AGENT_RENDER_EMPTY.message : `${plan.prune.length} resource(s) to prune; automated prune is off`);
  if (plan.kept.length > 0) notes.push(`not pruned, as their annotation asks: ${plan.kept.slice(0, 5).map((step) => `${step.key.kind}/${step.key.name}`).join(', ')}`);
  return notes.length === 0 ? undefined : notes.join('; ');
}

/** The status error of an apply with failures; Stalled (not retryable) when none can pass by retrying. */
export function applyError(failures: readonly ApplyFailure[]): PassError | undefined {
  const [failure] = failures;
  if (failure === undefined) return undefined;
  return {
    code: 'AGENT_APPLY_FAILED',
    retryable: failures.some((f) => f.retryable !== false) && AgentErrors.AGENT_APPLY_FAILED.retryable,
    message: failures.slice(0, 5).map((f) => f.message).join('; '),
    ...(failure.origin === undefined ? {} : { file: failure.origin.file, line: failure.origin.line }),
  };
}

export function toPassError(error: unknown): PassError {
  if (isTrueupError(error)) return { code: error.code, message: stripCredentials(error.message), retryable: error.retryable, ...error.location };
  return { code: 'AGENT_INTERNAL', message: stripCredentials(error instanceof Error ? error.message : String(error)), retryable: true };
}

export function sameKeys(a: readonly ObjectKey[], b: readonly ObjectKey[]): boolean {
  if (a.length !== b.length) return false;
  const ids = new Set(a.map(keyId));
  return b.every((key) => ids.has(keyId(key)));
}
