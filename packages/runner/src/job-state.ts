/** What a job accumulates as its steps run: env, PATH, step results, summary, status. */
import type { JobEvent, JobSpec, JsonValue, StepConclusion } from '@trueup/api';
import type { JobDirs } from './job-dirs.ts';
import type { JobProcesses } from './processes.ts';
import type { LogSink } from './log-sink.ts';
import type { Isolation } from './isolation.ts';
import type { ExecutorOptions } from './executor-options.ts';

export interface StepRecord {
  outputs: Record<string, string>;
  outcome: StepConclusion;
  conclusion: StepConclusion;
}

/** One level of steps: the job's, or a composite action's (with its own steps and inputs). */
export interface StepScope {
  steps: Record<string, StepRecord>;
  inputs: Record<string, JsonValue> | undefined;
  failed: boolean;
  /** Directory of the action whose steps these are (`github.action_path`). */
  actionPath: string | undefined;
  depth: number;
}

export interface JobState {
  spec: JobSpec;
  options: ExecutorOptions;
  dirs: JobDirs;
  isolation: Isolation;
  processes: JobProcesses;
  log: LogSink;
  emit: (event: JobEvent) => void;
  /** The job's env as steps see it: the spec's env plus what steps wrote to $GITHUB_ENV. */
  env: Record<string, string>;
  /** Directories steps added with $GITHUB_PATH, newest first. */
  path: string[];
  summary: string[];
  /** Aborted when the job is cancelled or runs out of time. */
  signal: AbortSignal;
  /**
   * What steps that run after that (`always()`, `cancelled()`) run under: aborted when their
   * grace period ends or the cancel is forced.
   */
  cleanupSignal: AbortSignal;
  /** Set when the job's time ran out, as opposed to being cancelled. */
  timedOut: boolean;
  stepCounter: number;
  /** Post steps of Node.js actions, run after the job's steps in reverse order. */
  posts: PostStep[];
}

export interface PostStep {
  name: string;
  /** `post-if`, evaluated with the job's status at the end. */
  condition: string;
  run: () => Promise<StepConclusion>;
}

/** The signal the step starting now runs under. */
export function activeSignal(job: JobState): AbortSignal {
  return job.signal.aborted ? job.cleanupSignal : job.signal;
}

export const BASE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
