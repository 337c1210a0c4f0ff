import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fightingIds, pruneFightState, recordHeal, type FightState } from './fighting.ts';
import { backoffDelay } from './backoff.ts';

const policy = { threshold: 3, windowMs: 10_000, baseDelayMs: 100, maxDelayMs: 1_000 };

test('heals inside the window become Fighting with a growing delay', () => {
  let state: FightState = new Map();
  const delays: number[] = [];
  for (const at of [0, 1000, 2000, 3000, 4000, 5000, 6000]) {
    const decision = recordHeal(state, 'f', at, policy);
    state = decision.state;
    delays.push(decision.delayMs);
  }
  assert.deepEqual(delays, [0, 0, 100, 200, 400, 800, 1000]);
  assert.deepEqual(fightingIds(state, 6000, policy), ['f']);
  assert.deepEqual(fightingIds(state, 60_000, policy), []);
  assert.equal(pruneFightState(state, 60_000, policy).size, 0);
});

test('heals far apart never fight', () => {
  let state: FightState = new Map();
  for (const at of [0, 20_000, 40_000, 60_000]) {
    const decision = recordHeal(state, 'f', at, policy);
    assert.equal(decision.fighting, false);
    state = decision.state;
  }
});

test('retry backoff grows to its cap', () => {
  const backoff = { durationMs: 5000, factor: 2, maxDurationMs: 20_000 };
  assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(backoff, n)), [5000, 10_000, 20_000, 20_000]);
});
