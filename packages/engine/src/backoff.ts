/** Exponential backoff for retries, as `syncPolicy.retry.backoff` describes it. */

export interface Backoff {
  durationMs: number;
  factor: number;
  maxDurationMs: number;
}

/** Delay before retry number `attempt` (1-based), with jitter given by the caller in [0, 1). */
export function backoffDelay(backoff: Backoff, attempt: number, jitter = 0): number {
  const base = Math.min(backoff.maxDurationMs, backoff.durationMs * backoff.factor ** Math.max(0, attempt - 1));
  return Math.round(base * (1 + 0.1 * jitter));
}

/** The next pass of an interval, spread by up to 10% so many agents do not hit Git together. */
export function jitteredInterval(intervalMs: number, jitter: number): number {
  return Math.round(intervalMs * (0.9 + 0.2 * jitter));
}
