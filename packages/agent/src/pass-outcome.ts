/**
 * What a reconcile pass reports, shaped from its parts: why prune was held back, the error of a
 * failed apply, any thrown error as a status error (credentials stripped).
 */
import { isTrueupError, keyId, type AppliedChange, type ApplicationStatus, type ObjectKey, type PassTrigger } from '@trueup/api';
import type { PassError, Plan } from '@trueup/engine';
import { stripCredentials } from '@trueup/git';
import type { ApplyFailure } from './apply-plan.ts';
import { AgentErrors } from './errors.ts';
import type { NewHistoryEntry } from './state-store.ts';

export interface FinishedPass {
  application: string;
  revision: string;
  trigger: PassTrigger;
  startedAt: number;
  finishedAt: number;
  changes: AppliedChange[];
  error?: PassError | undefined;
  detectOnly?: boolean;
  status: ApplicationStatus;
  /** The failure the previous pass recorded (`revision:code:message`), '' after a success. */
  lastFailure: string;
}

/**
 * The history entry of a pass worth recording (it changed something, failed otherwise than the
 * pass before, or found drift it may not fix), and the failure to compare the next pass with.
 */
export function historyEntry(pass: FinishedPass): { entry: NewHistoryEntry | undefined; failure: string } {
  const result = pass.error !== undefined ? 'Failed' : pass.detectOnly === true ? 'DetectedOnly' : pass.changes.length > 0 ? 'Succeeded' : 'NoChange';
  const failure = pass.error === undefined ? '' : `${pass.revision}:${pass.error.code}:${pass.error.message}`;
  const worthRecording = pass.changes.length > 0 || (failure !== '' && failure !== pass.lastFailure) || (pass.detectOnly === true && pass.status.sync === 'OutOfSync' && failure === '');
  if (!worthRecording) return { entry: undefined, failure };
  return {
    failure,
    entry: {
      application: pass.application, revision: pass.revision, trigger: pass.trigger, result,
      startedAt: new Date(pass.startedAt).toISOString(), finishedAt: new Date(pass.finishedAt).toISOString(), changes: pass.changes,
      message: pass.error?.message ?? pass.status.conditions.find((c) => c.type === 'Ready')?.message ?? '',
    },
  };
}

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
