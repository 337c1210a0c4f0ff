/** The clean environment a step's process gets: nothing of the runner's own, only what the job defines. */
import { dirname } from 'node:path';
import type { JsonValue } from '@trueup/api';
import { BASE_PATH, type JobState } from './job-state.ts';

export interface StepFiles {
  output: string;
  env: string;
  path: string;
  summary: string;
  state: string;
}

export function stepProcessEnv(job: JobState, files: StepFiles, stepEnv: Record<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  const github = job.spec.contexts.github as Record<string, JsonValue> | undefined;
  const str = (key: string): string => (typeof github?.[key] === 'string' ? (github[key]) : '');
  return {
    PATH: [...job.path, dirname(process.execPath), BASE_PATH].join(':'),
    HOME: job.dirs.home,
    LANG: 'C.UTF-8',
    CI: 'true',
    TRUEUP: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: job.dirs.temp,
    GITHUB_WORKSPACE: job.dirs.workspace,
    GITHUB_OUTPUT: files.output,
    GITHUB_ENV: files.env,
    GITHUB_PATH: files.path,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_STATE: files.state,
    GITHUB_SHA: str('sha'),
    GITHUB_REF: str('ref'),
    GITHUB_REF_NAME: str('ref_name'),
    GITHUB_EVENT_NAME: str('event_name'),
    GITHUB_REPOSITORY: str('repository'),
    GITHUB_RUN_ID: job.spec.runId,
    GITHUB_JOB: job.spec.jobId,
    GITHUB_WORKFLOW: str('workflow'),
    GITHUB_ACTOR: str('actor'),
    ...job.env,
    ...stepEnv,
    ...extra,
  };
}
