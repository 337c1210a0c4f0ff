/** Steps of a job or a composite action: `run`, local actions and the built-in actions. */
import type { BuiltinAction, StepAction, StepSpec } from '@trueup/api';
import { parser, type TemplateToken } from './actions-parser.ts';
import type { ParseProblem } from './load-errors.ts';
import { conditionOf, field, literalString, positionOf, toTemplate, toTemplateMap } from './template.ts';

const BUILTINS: Record<string, BuiltinAction> = {
  'actions/checkout': 'checkout',
  'actions/upload-artifact': 'upload-artifact',
  'actions/download-artifact': 'download-artifact',
  'trueup/gitops-set': 'gitops-set',
  'trueup/wait-healthy': 'wait-healthy',
  'trueup/sync': 'sync',
  'trueup/deploy': 'deploy',
  'trueup/release': 'release',
};
export const SHELLS = new Set(['bash', 'sh']);

export function convertSteps(file: string, token: TemplateToken | undefined, problems: ParseProblem[]): StepSpec[] {
  if (token === undefined || !parser.isSequence(token)) return [];
  const steps: StepSpec[] = [];
  let index = 0;
  for (const step of token) {
    index += 1;
    const action = stepAction(step, problems);
    if (action === undefined) continue;
    const idToken = field(step, 'id');
    steps.push({
      id: literalString(idToken) ?? `__${index}`,
      name: field(step, 'name') === undefined ? null : toTemplate(field(step, 'name') as TemplateToken),
      if: conditionOf(field(step, 'if')),
      env: toTemplateMap(field(step, 'env')),
      continueOnError: templateOr(field(step, 'continue-on-error'), false),
      timeoutMinutes: optionalTemplate(field(step, 'timeout-minutes')),
      action,
      at: positionOf(file, step),
    });
  }
  return steps;
}

function stepAction(step: TemplateToken, problems: ParseProblem[]): StepAction | undefined {
  const run = field(step, 'run');
  if (run !== undefined) {
    const shell = field(step, 'shell');
    const literal = literalString(shell);
    if (literal !== undefined && !SHELLS.has(literal)) {
      problems.push({ rawMessage: `shell "${literal}" cannot run here: use bash or sh`, range: shell?.range });
      return undefined;
    }
    return { kind: 'run', run: toTemplate(run), shell: optionalTemplate(shell), workingDirectory: optionalTemplate(field(step, 'working-directory')) };
  }
  const usesToken = field(step, 'uses');
  const uses = literalString(usesToken);
  if (uses === undefined) {
    problems.push({ rawMessage: 'a step needs "run" or "uses"', range: step.range });
    return undefined;
  }
  const withs = toTemplateMap(field(step, 'with'));
  if (uses.startsWith('./')) return { kind: 'local', path: uses.replace(/\/+$/, ''), with: withs };
  const [name = '', ref = ''] = uses.split('@');
  const builtin = BUILTINS[name.toLowerCase()];
  // Trueup's own steps need no @ref: they are the version of the runner that runs them.
  if (builtin !== undefined && (ref !== '' || name.toLowerCase().startsWith('trueup/'))) return { kind: 'builtin', action: builtin, ref, with: withs };
  const why = uses.startsWith('docker://')
    ? 'container actions cannot run here'
    : `action "${uses}" is not built in; built-in actions are ${Object.keys(BUILTINS).join(', ')} (with @ref), or use a local action "./path"`;
  problems.push({ rawMessage: why, range: usesToken?.range });
  return undefined;
}

export function optionalTemplate(token: TemplateToken | undefined): ReturnType<typeof toTemplate> | undefined {
  return token === undefined ? undefined : toTemplate(token);
}

export function templateOr(token: TemplateToken | undefined, fallback: boolean | number | string): ReturnType<typeof toTemplate> {
  return token === undefined ? fallback : toTemplate(token);
}
