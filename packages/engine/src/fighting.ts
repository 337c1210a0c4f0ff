/**
 * Self-heal backoff: an object healed again and again within a window is being fought over.
 * Pure: the caller passes the time and keeps the state.
 */

export interface FightPolicy {
  /** Heals within `windowMs` that make an object Fighting. */
  threshold: number;
  windowMs: number;
  /** Delay before the first heal once Fighting; doubles per further heal, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_FIGHT_POLICY: FightPolicy = { threshold: 5, windowMs: 60_000, baseDelayMs: 1_000, maxDelayMs: 300_000 };

/** Heal times per object id. */
export type FightState = ReadonlyMap<string, readonly number[]>;

export interface HealDecision {
  state: FightState;
  fighting: boolean;
  /** How long to wait before healing this time; 0 when not Fighting. */
  delayMs: number;
}

export function recordHeal(state: FightState, id: string, now: number, policy: FightPolicy = DEFAULT_FIGHT_POLICY): HealDecision {
  const recent = [...(state.get(id) ?? []).filter((at) => now - at < policy.windowMs), now];
  const next = new Map(state);
  next.set(id, recent);
  const excess = recent.length - policy.threshold;
  if (excess < 0) return { state: next, fighting: false, delayMs: 0 };
  return { state: next, fighting: true, delayMs: Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** excess) };
}

/** Object ids Fighting at `now`. */
export function fightingIds(state: FightState, now: number, policy: FightPolicy = DEFAULT_FIGHT_POLICY): string[] {
  return [...state.entries()].filter(([, times]) => times.filter((at) => now - at < policy.windowMs).length >= policy.threshold).map(([id]) => id);
}

/** Forgets objects no longer fought over, so state stays small. */
export function pruneFightState(state: FightState, now: number, policy: FightPolicy = DEFAULT_FIGHT_POLICY): FightState {
  return new Map([...state.entries()].map(([id, times]) => [id, times.filter((at) => now - at < policy.windowMs)] as const).filter(([, times]) => times.length > 0));
}
