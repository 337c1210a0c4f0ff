/**
 * `uses: trueup/gitops-set`, `uses: trueup/wait-healthy`, `uses: trueup/sync` and `uses: trueup/release`: the hand-off
 * from a pipeline to the pull agents. The runner knows no hub; whoever runs it (`trueup run` with TRUEUP_HUB, a joined
 * runner) passes the implementation in. A step fails with the implementation's error message.
 */
import type { JobDeploymentRequest } from '@trueup/api';
import { RunnerErrors } from './errors.ts';
import { activeSignal, type JobState } from './job-state.ts';

export type HandoffAction = 'gitops-set' | 'wait-healthy' | 'sync' | 'release';

export interface HandoffSteps {
  /** Runs the step with its `with:` inputs; resolves to its outputs, rejects to fail it. `log` lines go to the step's log. */
  run(action: HandoffAction, withs: Record<string, string>, context: { log: (line: string) => void; signal: AbortSignal }): Promise<Record<string, string>>;
  /** Records a deployment the job made (trueup/deploy) in the hub's ledger; absent where there is no hub. */
  recordDeployment?(deployment: JobDeploymentRequest): Promise<void>;
}

export async function runHandoffStep(job: JobState, action: HandoffAction, withs: Record<string, string>): Promise<{ outcome: 'success'; outputs: Record<string, string> }> {
  const handoff = job.options.handoff;
  if (handoff === undefined) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/${action} needs a hub: set TRUEUP_HUB and TRUEUP_TOKEN (and TRUEUP_CA_FILE) for the run`);
  const outputs = await handoff.run(action, withs, { log: (line) => job.log.note(line), signal: activeSignal(job) });
  return { outcome: 'success', outputs };
}
