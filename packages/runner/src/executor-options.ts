/** What the executor needs from where it runs: `trueup run` and a joined runner give different ones. */
import type { ApplicationDeployer } from './application-deployer.ts';
import type { ArtifactStore } from './artifact-store.ts';
import type { CheckoutSource } from './checkout-source.ts';
import type { HandoffSteps } from './handoff-steps.ts';
import type { Isolation } from './isolation.ts';

export interface ExecutorOptions {
  /** Jobs get fresh directories under it. */
  workRoot: string;
  checkout: CheckoutSource;
  artifacts: ArtifactStore;
  /** Default: bubblewrap when it works here. */
  isolation?: Isolation;
  logCapBytes?: number;
  /** Cancels the job: its processes are killed and it ends `cancelled`; steps that run on cancel still run. */
  signal?: AbortSignal;
  /** Stops the steps that run after a cancel too (a second Ctrl-C). */
  forceSignal?: AbortSignal;
  /** How long steps that run after a cancel or timeout may take together; default 5 minutes. */
  cleanupGraceMs?: number;
  /** Keep the job's directories after it ends (for inspection); default removed. */
  keepDirs?: boolean;
  /** `trueup/gitops-set` and `trueup/wait-healthy`: through a hub; absent, those steps fail saying so. */
  handoff?: HandoffSteps;
  /** `trueup/deploy` with `application:`: the agent's one-shot pass; absent, such steps fail saying so. */
  applications?: ApplicationDeployer;
}
