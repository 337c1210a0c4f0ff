/**
 * The crash suite on a host: the real `trueup agent` process killed with SIGKILL at random
 * moments of its passes (fetch, apply, prune; a Service's start or stop, a Command's run),
 * restarted, and checked after every trial. The seed is fixed (TRUEUP_CRASH_SEED replays another;
 * TRUEUP_CRASH_TRIALS and TRUEUP_CRASH_SERVICE_TRIALS set the counts) and printed with every
 * violation.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { crashSeed, describeTrial, hostFilesScenario, hostServicesScenario, runCrashTrials, type CrashRunOptions } from '@trueup/testkit/crash';

const MAIN = join(import.meta.dirname, 'main.js');
const TRIALS = Number(process.env['TRUEUP_CRASH_TRIALS'] ?? 30);
const SERVICE_TRIALS = Number(process.env['TRUEUP_CRASH_SERVICE_TRIALS'] ?? 6);
const agentCommand: CrashRunOptions['agentCommand'] = (stateDir, appFile) => [process.execPath, MAIN, 'agent', '--state-dir', stateDir, '--listen', '127.0.0.1:0', '--log-format', 'json', appFile];

async function crashTrials(t: TestContext, scenario: CrashRunOptions['scenario'], trials: number, minLandings: number): Promise<void> {
  const seed = crashSeed();
  const result = await runCrashTrials({ scenario, agentCommand, trials, seed });
  t.diagnostic(`seed ${seed}; kills landed: ${JSON.stringify(result.landed)}; violations: ${JSON.stringify(result.counts)}`);
  await t.test(`kills landed in at least ${minLandings} places`, () => {
    assert.ok(Object.keys(result.landed).length >= minLandings, `kills landed in too few places: ${JSON.stringify(result.landed)}`);
  });
  for (const invariant of Object.keys(result.counts)) {
    await t.test(`invariant: ${invariant}`, () => {
      const failed = result.trials.filter((trial) => trial.violations.some((v) => v.invariant === invariant));
      const shown = failed.map((trial) => describeTrial(seed, { ...trial, violations: trial.violations.filter((v) => v.invariant === invariant).slice(0, 10) }));
      assert.equal(failed.length, 0, `${failed.length} of ${result.trials.length} trials; replay with TRUEUP_CRASH_SEED=${seed}\n${shown.join('\n')}`);
    });
  }
}

test(`${TRIALS} SIGKILLs of a host agent at random moments of its passes`, { timeout: 600_000 }, async (t) => {
  await crashTrials(t, (fixture) => hostFilesScenario(fixture), TRIALS, 3);
});

test(`${SERVICE_TRIALS} SIGKILLs of a host agent while it starts, restarts and stops Services and runs Commands`, { timeout: 300_000 }, async (t) => {
  await crashTrials(t, (fixture) => hostServicesScenario(fixture), SERVICE_TRIALS, 2);
});
