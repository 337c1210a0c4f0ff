/** A `run:` step: the script written to a file and run by bash or sh, in the job's sandbox. */
import { writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { StepConclusion } from '@trueup/api';
import { RunnerErrors } from './errors.ts';
import { isolate } from './isolation.ts';
import { activeSignal, type JobState } from './job-state.ts';

export interface ProcessStep {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
}

export async function scriptArgv(job: JobState, script: string, shell: string): Promise<string[]> {
  // Checked at load when written literally; an expression may still give another shell.
  if (shell !== 'bash' && shell !== 'sh') throw RunnerErrors.create('RUNNER_STEP_FAILED', `shell "${shell}" cannot run here: use bash or sh`);
  job.stepCounter += 1;
  const file = join(job.dirs.temp, `step-${job.stepCounter}.sh`);
  await writeFile(file, script, { mode: 0o700 });
  return shell === 'sh' ? ['sh', '-e', file] : ['bash', '--noprofile', '--norc', '-eo', 'pipefail', file];
}

export function resolveWorkingDirectory(job: JobState, dir: string): string {
  if (dir === '') return job.dirs.workspace;
  return isAbsolute(dir) ? dir : join(job.dirs.workspace, dir);
}

/** Runs one process of a step; the outcome is success only on exit code 0. */
export async function runProcess(job: JobState, step: ProcessStep): Promise<StepConclusion> {
  const out = job.log.stream();
  const err = job.log.stream();
  const controller = new AbortController();
  const onJobAbort = (): void => controller.abort();
  const signal = activeSignal(job);
  signal.addEventListener('abort', onJobAbort, { once: true });
  let stepTimedOut = false;
  const timer = setTimeout(() => {
    stepTimedOut = true;
    controller.abort();
  }, step.timeoutMs);
  try {
    const argv = isolate(job.isolation, step.argv, [job.dirs.root], step.cwd);
    const exit = await job.processes.run({
      argv, cwd: step.cwd, env: step.env, signal: controller.signal,
      onStdout: (chunk) => out.write(chunk), onStderr: (chunk) => err.write(chunk),
    });
    out.end();
    err.end();
    switch (exit.kind) {
      case 'exited':
        if (exit.code === 0) return 'success';
        job.log.note(exit.code === null ? `[trueup] the step was killed by ${exit.signal ?? 'a signal'}` : `[trueup] the step exited with code ${exit.code}`);
        return 'failure';
      case 'not-started':
        job.log.note(`[trueup] the step could not start: ${exit.error.message}`);
        return 'failure';
      case 'aborted':
        if (stepTimedOut) {
          job.log.note(`[trueup] the step ran past its timeout of ${Math.round(step.timeoutMs / 60_000 * 100) / 100} minutes and was killed`);
          return 'failure';
        }
        if (signal === job.cleanupSignal) {
          job.log.note('[trueup] the step ran past the grace period for steps after a cancel, or the cancel was forced');
          return 'cancelled';
        }
        return job.timedOut ? 'failure' : 'cancelled';
    }
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onJobAbort);
  }
}
