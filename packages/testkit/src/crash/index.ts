/** The crash suite: a real agent process killed with SIGKILL at random moments of its passes, and the invariants checked after each trial. */
export { AgentProcess, type AgentLogLine } from './agent-process.ts';
export { contentOf, hostFilesScenario, type HostFilesOptions } from './host-files-scenario.ts';
export { hostServicesScenario, SERVICE_INVARIANTS } from './host-services-scenario.ts';
export { killMarked, markedLeaders, processesByArgv } from './host-processes.ts';
export { kubeConfigMapsScenario, type KubeConfigMapsOptions } from './kube-configmaps-scenario.ts';
export { seededRandom, type Random } from './random.ts';
export { describeTrial, runCrashTrials, summarizeTrials, type CrashRunOptions, type CrashRunResult, type TrialRecord } from './run-trials.ts';
export { INVARIANTS, type ConvergedState, type CrashScenario, type Invariant, type KillPhase, type PhaseWindow, type Violation } from './scenario.ts';
export { crashSeed, crashTable } from './report.ts';
