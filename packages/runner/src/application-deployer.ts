/**
 * `uses: trueup/deploy` with `application:`: an Application applied exactly as the agent applies
 * it (same render, diff, waves, prune and health wait), one-shot, by whoever runs the runner
 * (the command line injects the agent's one-shot pass; the runner itself knows no provider).
 */
export interface ApplicationDeployResult {
  name: string;
  /** The commit of the Application's source that was applied. */
  revision: string;
  sync: string;
  health: string;
  /** Set when the pass failed or the application did not end Synced and Healthy. */
  error: string | undefined;
  /** The status as `trueup sync -o json` prints it. */
  status: unknown;
}

export interface ApplicationDeployer {
  /**
   * Applies the Application in `appFile`; `kubeconfig` (a file) replaces its Kubernetes
   * destination's credentials. `stateDir` is the pass's own, fresh folder.
   */
  deploy(appFile: string, options: { kubeconfig: string | undefined; stateDir: string; waitHealthyMs: number; log: (line: string) => void; signal: AbortSignal }): Promise<ApplicationDeployResult>;
}
