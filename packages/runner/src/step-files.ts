/**
 * Fresh $GITHUB_OUTPUT/$GITHUB_ENV/$GITHUB_PATH/$GITHUB_STEP_SUMMARY/$GITHUB_STATE files per
 * step, read back after it. They are not created beforehand (`>>` creates them): a file the
 * step did not write is empty, and a step costs no file writes of ours.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RunnerErrors } from './errors.ts';
import { MAX_FILE_COMMAND_BYTES, parseKeyValueFile, parsePathFile } from './file-commands.ts';
import type { JobState } from './job-state.ts';
import type { StepFiles } from './step-env.ts';

export function createStepFiles(job: JobState): StepFiles {
  job.stepCounter += 1;
  const n = job.stepCounter;
  return { output: join(job.dirs.files, `output-${n}`), env: join(job.dirs.files, `env-${n}`), path: join(job.dirs.files, `path-${n}`), summary: join(job.dirs.files, `summary-${n}`), state: join(job.dirs.files, `state-${n}`) };
}

/** Applies what the step wrote: env and PATH for the steps after it; returns its outputs. */
export async function readStepFiles(job: JobState, files: StepFiles): Promise<Record<string, string>> {
  const outputs = parseKeyValueFile(await readLimited(files.output, '$GITHUB_OUTPUT'), '$GITHUB_OUTPUT');
  const env = parseKeyValueFile(await readLimited(files.env, '$GITHUB_ENV'), '$GITHUB_ENV');
  Object.assign(job.env, env);
  job.path.unshift(...parsePathFile(await readLimited(files.path, '$GITHUB_PATH')).reverse());
  const summary = await readLimited(files.summary, '$GITHUB_STEP_SUMMARY');
  if (summary.trim() !== '') job.summary.push(job.log.masker.mask(summary));
  return outputs;
}

/** What a Node.js action saved with $GITHUB_STATE, for its post step as `STATE_name`. */
export async function readStepState(files: StepFiles): Promise<Record<string, string>> {
  return parseKeyValueFile(await readLimited(files.state, '$GITHUB_STATE'), '$GITHUB_STATE');
}

async function readLimited(file: string, what: string): Promise<string> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
  if (size > MAX_FILE_COMMAND_BYTES) throw RunnerErrors.create('RUNNER_FILE_COMMAND_INVALID', `${what} holds ${size} bytes; at most ${MAX_FILE_COMMAND_BYTES} are read`);
  return readFile(file, 'utf8');
}
