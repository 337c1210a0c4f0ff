/**
 * The crash suite on a cluster: the real `trueup agent` process killed with SIGKILL while it
 * applies and prunes ConfigMaps, restarted, and checked after every trial: nothing labelled as
 * the application's that Git no longer declares, no inventory entry for an object that is gone,
 * a status that tells the truth. The seed is fixed (TRUEUP_CRASH_SEED replays another).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { kubeNamespace, kubeTestEnv } from '@trueup/testkit';
import { crashSeed, describeTrial, INVARIANTS, kubeConfigMapsScenario, runCrashTrials } from '@trueup/testkit/crash';

const MAIN = join(import.meta.dirname, 'main.js');
const TRIALS = Number(process.env['TRUEUP_CRASH_KUBE_TRIALS'] ?? 10);

test(`${TRIALS} SIGKILLs of an agent applying and pruning ConfigMaps`, { timeout: 600_000 }, async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const namespace = await kubeNamespace(env, t);
  const seed = crashSeed();
  const destination = `{ kubernetes: { kubeconfig: "${env.kubeconfig}", namespace: ${namespace} } }`;
  const result = await runCrashTrials({
    destination,
    scenario: (fixture) => kubeConfigMapsScenario(fixture, { credentials: env, kubeconfig: env.kubeconfig, namespace }),
    agentCommand: (stateDir, appFile) => [process.execPath, MAIN, 'agent', '--state-dir', stateDir, '--listen', '127.0.0.1:0', '--log-format', 'json', appFile],
    trials: TRIALS,
    seed,
  });
  t.diagnostic(`seed ${seed}; kills landed: ${JSON.stringify(result.landed)}; violations: ${JSON.stringify(result.counts)}`);
  for (const invariant of INVARIANTS) {
    await t.test(`invariant: ${invariant}`, () => {
      const failed = result.trials.filter((trial) => trial.violations.some((v) => v.invariant === invariant));
      const shown = failed.map((trial) => describeTrial(seed, { ...trial, violations: trial.violations.filter((v) => v.invariant === invariant).slice(0, 10) }));
      assert.equal(failed.length, 0, `${failed.length} of ${result.trials.length} trials; replay with TRUEUP_CRASH_SEED=${seed}\n${shown.join('\n')}`);
    });
  }
});
