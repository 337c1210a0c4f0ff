/** Restart delays: duration × factor^(failures − 1), capped at maxDuration. */
import { parseDuration } from '@trueup/api';

export interface BackoffSpec {
  duration: string;
  factor: number;
  maxDuration: string;
}

/** The delay before restart number `failures` (1 for the first restart after a run). */
export function backoffDelay(spec: BackoffSpec | undefined, failures: number): number {
  const base = parseDuration(spec?.duration ?? '1s') ?? 1000;
  const max = parseDuration(spec?.maxDuration ?? '30s') ?? 30_000;
  const factor = spec?.factor ?? 2;
  return Math.min(max, base * factor ** Math.max(0, failures - 1));
}
