/** Reconnect delays: exponential from 1 s, capped at 30 s, with jitter so a fleet does not reconnect in step. */
export const RECONNECT_FIRST_MS = 1000;
export const RECONNECT_MAX_MS = 30_000;

/**
 * The delay before reconnect attempt `attempt` (0-based): "equal jitter", half fixed and half
 * random, so it is never 0 and never above the cap. `random` is in [0, 1).
 */
export function reconnectDelay(attempt: number, random: number): number {
  const ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}
