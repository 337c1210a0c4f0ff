/**
 * The crash suite on a host: the real `trueup agent` process killed with SIGKILL at random
 * moments of its passes (fetch, apply, prune), restarted, and checked after every trial. The seed
 * is fixed (TRUEUP_CRASH_SEED replays another, TRUEUP_CRASH_TRIALS sets the count) and printed
 * with every violation.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { crashSeed, describeTrial, hostFilesScenario, INVARIANTS, runCrashTrials, type CrashRunResult } from '@trueup/testkit/crash';

const MAIN = join(import.meta.dirname, 'main.js');
const TRIALS = Number(process.env['TRUEUP_CRASH_TRIALS'] ?? 30);
test(`${TRIALS} SIGKILLs of a host agent at random moments of its passes`, { timeout: 600_000 }, async (t) => {
  const seed = crashSeed();
  const result: CrashRunResult = await runCrashTrials({
    scenario: (fixture) => hostFilesScenario(fixture),
    agentCommand: (stateDir, appFile) => [process.execPath, MAIN, 'agent', '--state-dir', stateDir, '--listen', '127.0.0.1:0', '--log-format', 'json', appFile],
    trials: TRIALS,
    seed,
  });
  t.diagnostic(`seed ${seed}; kills landed: ${JSON.stringify(result.landed)}; violations: ${JSON.stringify(result.counts)}`);
  await t.test('kills landed before, during and after apply and prune', () => {
    assert.ok(Object.keys(result.landed).length >= 3, `kills landed in too few places: ${JSON.stringify(result.landed)}`);
  });
  for (const invariant of INVARIANTS) {
    await t.test(`invariant: ${invariant}`, () => {
      const failed = result.trials.filter((trial) => trial.violations.some((v) => v.invariant === invariant));
      const shown = failed.map((trial) => describeTrial(seed, { ...trial, violations: trial.violations.filter((v) => v.invariant === invariant).slice(0, 10) }));
      assert.equal(failed.length, 0, `${failed.length} of ${result.trials.length} trials; replay with TRUEUP_CRASH_SEED=${seed}\n${shown.join('\n')}`);
    });
  }
});
