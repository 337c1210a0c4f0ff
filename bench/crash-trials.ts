/**
 * `node bench/crash-trials.ts [--trials 300] [--service-trials 100] [--kube-trials 0] [--seed N]`:
 * the crash suite at full size. The real `trueup agent` is killed with SIGKILL at random moments
 * of its passes (fetch, apply, prune; a Service's start or stop, a Command's run) and restarted;
 * after each trial the invariants are checked. `--trials` runs the host files scenario,
 * `--service-trials` the host Services and Commands one. Prints, as a
 * markdown table, the trials, where the kills landed, and how many trials broke each invariant.
 * With `--kube-trials`, a Kubernetes test environment of its own runs the ConfigMaps scenario too.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { crashSeed, crashTable, describeTrial, hostFilesScenario, hostServicesScenario, kubeConfigMapsScenario, runCrashTrials, type CrashRunResult } from '@trueup/testkit/crash';
import { startBenchKube } from './kube-env.ts';
import { gitState, trueupArgv } from './tools.ts';

const { values } = parseArgs({
  options: { trials: { type: 'string', default: '300' }, 'service-trials': { type: 'string', default: '100' }, 'kube-trials': { type: 'string', default: '0' }, seed: { type: 'string' } },
  strict: true,
});
const trials = Number(values.trials);
const serviceTrials = Number(values['service-trials']);
const kubeTrials = Number(values['kube-trials']);
const seed = values.seed === undefined ? crashSeed() : Number(values.seed);
const agentCommand = (stateDir: string, appFile: string): string[] => trueupArgv('agent', '--state-dir', stateDir, '--listen', '127.0.0.1:0', '--log-format', 'json', appFile);
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

const started = Date.now();
const results: CrashRunResult[] = [];
if (trials > 0) results.push(await runCrashTrials({ scenario: (fixture) => hostFilesScenario(fixture), agentCommand, trials, seed, log }));
if (serviceTrials > 0) results.push(await runCrashTrials({ scenario: (fixture) => hostServicesScenario(fixture), agentCommand, trials: serviceTrials, seed, log }));
if (kubeTrials > 0) {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-crash-kube-'));
  const kube = await startBenchKube({ dir, quick: false, log }, join(dir, 'env'));
  try {
    const namespace = `crash-${Date.now().toString(36)}`;
    await kube.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    results.push(await runCrashTrials({
      destination: `{ kubernetes: { kubeconfig: "${kube.kubeconfig}", namespace: ${namespace} } }`,
      scenario: (fixture) => kubeConfigMapsScenario(fixture, { credentials: kube.creds, kubeconfig: kube.kubeconfig, namespace }),
      agentCommand, trials: kubeTrials, seed, log,
    }));
  } finally {
    await kube.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const failing = results.flatMap((result) => result.trials.filter((trial) => trial.violations.length > 0).map((trial) => `${result.scenario}: ${describeTrial(result.seed, trial)}`));
process.stdout.write(`\n${crashTable(results)}\n\n`);
process.stdout.write(`Command: node bench/crash-trials.ts --trials ${trials} --service-trials ${serviceTrials} --kube-trials ${kubeTrials} --seed ${seed}; ${((Date.now() - started) / 60_000).toFixed(1)} min; ${gitState()}\n`);
if (failing.length > 0) process.stdout.write(`\nTrials with violations (first 20 of ${failing.length}):\n${failing.slice(0, 20).join('\n')}\n`);
