/** Local actions (`uses: ./path`): composite and Node.js actions kept in the repository. */
import type { StepSpec, TemplateValue } from '@trueup/api';
import { actionParser, parser } from './actions-parser.ts';
import { problemsError, type ParseProblem } from './load-errors.ts';
import { convertSteps } from './steps.ts';
import { field, keyOf, literalString, toTemplate } from './template.ts';

export interface LocalAction {
  file: string;
  name: string;
  inputs: Record<string, { default: TemplateValue | undefined; required: boolean }>;
  outputs: Record<string, TemplateValue>;
  runs: { kind: 'composite'; steps: StepSpec[] } | { kind: 'node'; main: string; post: string | undefined; postIf: string };
}

const NODE_RUNTIMES = new Set(['node12', 'node16', 'node20', 'node24']);

export function loadAction(file: string, content: string): LocalAction {
  const parsed = actionParser.parseAction({ name: file, content }, new parser.NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors();
  if (errors.length > 0 || parsed.value === undefined) throw problemsError(file, errors.length > 0 ? errors : [{ rawMessage: 'empty action', range: undefined }], 'ACTION_INVALID');
  const root = parsed.value;
  const problems: ParseProblem[] = [];
  const inputs: LocalAction['inputs'] = {};
  const inputsToken = field(root, 'inputs');
  if (inputsToken !== undefined && parser.isMapping(inputsToken)) {
    for (const pair of inputsToken) {
      const fallback = field(pair.value, 'default');
      inputs[keyOf(pair.key)] = { default: fallback === undefined ? undefined : toTemplate(fallback), required: literalString(field(pair.value, 'required')) === 'true' || toTemplate(field(pair.value, 'required') ?? pair.key) === true };
    }
  }
  const outputs: LocalAction['outputs'] = {};
  const outputsToken = field(root, 'outputs');
  if (outputsToken !== undefined && parser.isMapping(outputsToken)) {
    for (const pair of outputsToken) {
      const value = field(pair.value, 'value');
      outputs[keyOf(pair.key)] = value === undefined ? null : toTemplate(value);
    }
  }
  const runs = field(root, 'runs');
  const using = literalString(field(runs, 'using')) ?? '';
  let run: LocalAction['runs'] | undefined;
  if (using === 'composite') {
    run = { kind: 'composite', steps: convertSteps(file, field(runs, 'steps'), problems) };
  } else if (NODE_RUNTIMES.has(using)) {
    const pre = field(runs, 'pre');
    if (pre !== undefined) problems.push({ rawMessage: 'runs.pre cannot run for a local action: the repository is not checked out before the job starts (GitHub does not run it either)', range: pre.range });
    run = { kind: 'node', main: literalString(field(runs, 'main')) ?? '', post: literalString(field(runs, 'post')), postIf: literalString(field(runs, 'post-if')) ?? 'always()' };
  } else {
    problems.push({ rawMessage: `runs.using "${using}" cannot run here: local actions may be composite or node`, range: field(runs, 'using')?.range ?? runs?.range });
  }
  if (problems.length > 0 || run === undefined) throw problemsError(file, problems, 'ACTION_INVALID');
  return { file, name: literalString(field(root, 'name')) ?? file, inputs, outputs, runs: run };
}
