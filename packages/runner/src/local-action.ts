/** `uses: ./path`: a composite or Node.js action kept in the repository, run in the job. */
import { readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { JsonValue, StepConclusion } from '@trueup/api';
import { evaluateString, loadAction, type LocalAction } from '@trueup/workflow';
import { RunnerErrors } from './errors.ts';
import type { JobState, StepScope } from './job-state.ts';
import { runProcess } from './run-step.ts';
import { stepProcessEnv } from './step-env.ts';
import { createStepFiles, readStepFiles, readStepState } from './step-files.ts';
import { contextsOf, functionsOf, runSteps } from './steps.ts';

const MAX_DEPTH = 8;

export async function runLocalAction(job: JobState, scope: StepScope, path: string, withs: Record<string, string>, stepEnv: Record<string, string>, timeoutMs: number): Promise<{ outcome: StepConclusion; outputs: Record<string, string> }> {
  if (scope.depth >= MAX_DEPTH) throw RunnerErrors.create('RUNNER_ACTION_NOT_FOUND', `${path}: local actions nest deeper than ${MAX_DEPTH}`);
  const dir = resolve(job.dirs.workspace, path);
  if (!dir.startsWith(job.dirs.workspace + sep)) throw RunnerErrors.create('RUNNER_ACTION_NOT_FOUND', `${path} is outside the workspace`);
  const action = await readAction(dir, path);
  const inputs = resolveInputs(job, scope, action, withs);
  switch (action.runs.kind) {
    case 'node': {
      const files = createStepFiles(job);
      const inputEnv = Object.fromEntries(Object.entries(inputs).map(([key, value]) => [`INPUT_${key.replace(/ /g, '_').toUpperCase()}`, typeof value === 'string' ? value : JSON.stringify(value)]));
      const env = stepProcessEnv(job, files, stepEnv, { ...inputEnv, GITHUB_ACTION_PATH: dir });
      const outcome = await runProcess(job, { argv: [process.execPath, join(dir, action.runs.main)], cwd: job.dirs.workspace, env, timeoutMs });
      const outputs = await readStepFiles(job, files);
      const post = action.runs.post;
      if (post !== undefined) {
        const state = Object.fromEntries(Object.entries(await readStepState(files)).map(([key, value]) => [`STATE_${key}`, value]));
        job.posts.push({
          name: `Post ${path}`,
          condition: action.runs.postIf,
          run: async () => {
            const postFiles = createStepFiles(job);
            const postEnv = stepProcessEnv(job, postFiles, stepEnv, { ...inputEnv, ...state, GITHUB_ACTION_PATH: dir });
            const result = await runProcess(job, { argv: [process.execPath, join(dir, post)], cwd: job.dirs.workspace, env: postEnv, timeoutMs });
            await readStepFiles(job, postFiles);
            return result;
          },
        });
      }
      return { outcome, outputs };
    }
    case 'composite': {
      const inner: StepScope = { steps: {}, inputs, failed: false, actionPath: dir, depth: scope.depth + 1 };
      const saved = { ...job.env };
      Object.assign(job.env, stepEnv);
      try {
        await runSteps(job, inner, action.runs.steps, 0);
      } finally {
        for (const key of Object.keys(stepEnv)) if (!(key in saved)) delete job.env[key]; else job.env[key] = saved[key] as string;
      }
      const contexts = contextsOf(job, inner);
      const functions = functionsOf(job, inner);
      const outputs = Object.fromEntries(Object.entries(action.outputs).map(([key, value]) => [key, evaluateString(value, contexts, functions)]));
      return { outcome: inner.failed ? 'failure' : 'success', outputs };
    }
  }
}

async function readAction(dir: string, path: string): Promise<LocalAction> {
  for (const name of ['action.yml', 'action.yaml']) {
    let content: string;
    try {
      content = await readFile(join(dir, name), 'utf8');
    } catch {
      continue;
    }
    return loadAction(`${path}/${name}`, content);
  }
  throw RunnerErrors.create('RUNNER_ACTION_NOT_FOUND', `no action.yml in ${path}; check out the repository first (uses: actions/checkout@v4)`);
}

function resolveInputs(job: JobState, scope: StepScope, action: LocalAction, withs: Record<string, string>): Record<string, JsonValue> {
  const contexts = contextsOf(job, scope);
  const functions = functionsOf(job, scope);
  const out: Record<string, JsonValue> = {};
  for (const [name, input] of Object.entries(action.inputs)) {
    if (name in withs) out[name] = withs[name] as string;
    else if (input.default !== undefined) out[name] = evaluateString(input.default, contexts, functions);
    else if (input.required) throw RunnerErrors.create('RUNNER_ACTION_NOT_FOUND', `${action.file}: input "${name}" is required`, { file: action.file, field: `inputs.${name}` });
    else out[name] = '';
  }
  for (const key of Object.keys(withs)) if (!(key in out)) job.log.note(`::warning::${action.file}: unexpected input "${key}"`);
  return out;
}
