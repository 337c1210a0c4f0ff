/**
 * Loads a workflow file: GitHub's parser validates it against GitHub's schema (syntax, unknown
 * contexts and functions, types), then it is read into our model. What cannot run here is
 * refused now, with file:line:column — never skipped at run time.
 */
import type { JsonValue, TrueupError } from '@trueup/api';
import { parser, type TemplateToken } from './actions-parser.ts';
import { WorkflowErrors } from './errors.ts';
import { findCycle } from './graph.ts';
import { expandMatrix } from './matrix.ts';
import { problemsError, type ParseProblem } from './load-errors.ts';
import type { Concurrency, DispatchInput, Triggers, Workflow, WorkflowJob } from './model.ts';
import { convertSteps, optionalTemplate, SHELLS, templateOr } from './steps.ts';
import { conditionOf, field, keyOf, keyToken, literalString, positionOf, toTemplate, toTemplateMap } from './template.ts';

const SUPPORTED_EVENTS = new Set(['push', 'workflow_dispatch', 'schedule']);
const REFUSED_JOB_KEYS: Record<string, string> = {
  container: 'jobs in containers cannot run here; the job runs on the runner itself',
  services: 'service containers cannot run here',
  uses: 'reusable workflows cannot run here',
};

export async function loadWorkflow(file: string, content: string): Promise<Workflow> {
  const parsed = parser.parseWorkflow({ name: file, content }, new parser.NoOperationTraceWriter());
  const parseErrors = parsed.context.errors.getErrors();
  if (parseErrors.length > 0 || parsed.value === undefined) throw problemsError(file, parseErrors.length > 0 ? parseErrors : [{ rawMessage: 'empty workflow', range: undefined }]);
  const root = parsed.value;
  const problems: ParseProblem[] = [];
  const jobs = convertJobs(file, field(root, 'jobs'), problems);
  const cycle = cycleError(file, field(root, 'jobs'), jobs);
  if (cycle !== undefined) throw cycle;
  for (const job of jobs) checkLiteralMatrix(job);
  const on = convertOn(field(root, 'on'), keyToken(root, 'on'), problems);
  const workflowDefaults = defaultsRun(field(root, 'defaults'), problems);
  if (problems.length > 0) throw problemsError(file, problems, 'WORKFLOW_UNSUPPORTED');
  const converted = await parser.convertWorkflowTemplate(parsed.context, root);
  const convertErrors = parsed.context.errors.getErrors();
  if (convertErrors.length > 0) throw problemsError(file, convertErrors);
  const events = converted.events;
  if (events.push !== undefined) on.push = events.push;
  if (events.workflow_dispatch !== undefined) on.workflowDispatch = { inputs: dispatchInputs(events.workflow_dispatch.inputs ?? {}) };
  if (events.schedule !== undefined) on.schedule = events.schedule.map((entry) => (entry.timezone === undefined ? { cron: entry.cron } : { cron: entry.cron, timezone: entry.timezone }));
  return {
    file,
    name: literalString(field(root, 'name')) ?? file,
    on,
    env: toTemplateMap(field(root, 'env')),
    defaultsRun: workflowDefaults,
    concurrency: concurrencyOf(field(root, 'concurrency')),
    jobs,
  };
}

function convertOn(token: TemplateToken | undefined, key: TemplateToken | undefined, problems: ParseProblem[]): Triggers {
  const names: [string, TemplateToken][] = [];
  if (token !== undefined && parser.isString(token)) names.push([token.value, token]);
  else if (token !== undefined && parser.isSequence(token)) for (const item of token) names.push([keyOf(item), item]);
  else if (token !== undefined && parser.isMapping(token)) for (const pair of token) names.push([keyOf(pair.key), pair.key]);
  for (const [name, at] of names) {
    if (!SUPPORTED_EVENTS.has(name)) problems.push({ rawMessage: `event "${name}" cannot trigger a workflow here; use push, workflow_dispatch or schedule`, range: at.range });
  }
  if (names.length === 0) problems.push({ rawMessage: 'the workflow has no trigger in "on"', range: key?.range });
  return {};
}

function convertJobs(file: string, token: TemplateToken | undefined, problems: ParseProblem[]): WorkflowJob[] {
  if (token === undefined || !parser.isMapping(token)) return [];
  const jobs: WorkflowJob[] = [];
  for (const pair of token) {
    const id = keyOf(pair.key);
    const job = pair.value;
    for (const [key, why] of Object.entries(REFUSED_JOB_KEYS)) {
      const at = keyToken(job, key);
      if (at !== undefined) problems.push({ rawMessage: `jobs.${id}.${key}: ${why}`, range: at.range });
    }
    const needsToken = field(job, 'needs');
    const needs = needsToken === undefined ? [] : parser.isSequence(needsToken) ? [...needsToken].map(keyOf) : [keyOf(needsToken)];
    const strategy = field(job, 'strategy');
    const environment = field(job, 'environment');
    jobs.push({
      id,
      name: optionalTemplate(field(job, 'name')),
      needs,
      if: conditionOf(field(job, 'if')),
      runsOn: templateOr(field(job, 'runs-on'), 'self-hosted'),
      strategy: {
        matrix: optionalTemplate(field(strategy, 'matrix')),
        failFast: templateOr(field(strategy, 'fail-fast'), true),
        maxParallel: optionalTemplate(field(strategy, 'max-parallel')),
      },
      env: toTemplateMap(field(job, 'env')),
      defaultsRun: defaultsRun(field(job, 'defaults'), problems),
      outputs: toTemplateMap(field(job, 'outputs')),
      timeoutMinutes: templateOr(field(job, 'timeout-minutes'), 360),
      continueOnError: templateOr(field(job, 'continue-on-error'), false),
      environment: environment === undefined ? undefined
        : parser.isMapping(environment) ? { name: templateOr(field(environment, 'name'), ''), url: optionalTemplate(field(environment, 'url')) }
        : { name: toTemplate(environment), url: undefined },
      concurrency: concurrencyOf(field(job, 'concurrency')),
      steps: convertSteps(file, field(job, 'steps'), problems),
      at: positionOf(file, pair.key),
    });
  }
  return jobs;
}

function cycleError(file: string, jobsToken: TemplateToken | undefined, jobs: WorkflowJob[]): TrueupError | undefined {
  const cycle = findCycle(jobs);
  if (cycle === undefined) return undefined;
  const first = cycle[0] as string;
  const at = field(field(jobsToken, first), 'needs') ?? keyToken(jobsToken, first);
  return WorkflowErrors.create('WORKFLOW_NEEDS_CYCLE', `needs form a cycle: ${cycle.join(' → ')}`, { file, line: at?.range?.start.line ?? 1, column: at?.range?.start.column ?? 1, field: `jobs.${first}.needs` });
}

/** A matrix written without expressions is expanded now, so one over 256 jobs is refused at load. */
function checkLiteralMatrix(job: WorkflowJob): void {
  const matrix = job.strategy.matrix;
  if (matrix === undefined || JSON.stringify(matrix).includes('"$expr"')) return;
  expandMatrix(matrix as JsonValue, { file: job.at.file, line: job.at.line, column: job.at.column });
}

function defaultsRun(token: TemplateToken | undefined, problems: ParseProblem[]): Workflow['defaultsRun'] {
  const run = field(token, 'run');
  const out: Workflow['defaultsRun'] = {};
  const shell = field(run, 'shell');
  const literal = literalString(shell);
  if (literal !== undefined && !SHELLS.has(literal)) problems.push({ rawMessage: `shell "${literal}" cannot run here: use bash or sh`, range: shell?.range });
  const workingDirectory = field(run, 'working-directory');
  if (shell !== undefined) out.shell = toTemplate(shell);
  if (workingDirectory !== undefined) out.workingDirectory = toTemplate(workingDirectory);
  return out;
}

function concurrencyOf(token: TemplateToken | undefined): Concurrency | undefined {
  if (token === undefined) return undefined;
  if (parser.isMapping(token)) return { group: templateOr(field(token, 'group'), ''), cancelInProgress: templateOr(field(token, 'cancel-in-progress'), false) };
  return { group: toTemplate(token), cancelInProgress: false };
}

function dispatchInputs(inputs: Record<string, { type?: string; required?: boolean; default?: unknown; options?: string[]; description?: string }>): Record<string, DispatchInput> {
  const out: Record<string, DispatchInput> = {};
  for (const [name, input] of Object.entries(inputs)) {
    const type = (['string', 'choice', 'boolean', 'number', 'environment'] as const).find((t) => t === input.type) ?? 'string';
    const fallback = input.default;
    out[name] = {
      type,
      required: input.required === true,
      default: typeof fallback === 'string' || typeof fallback === 'boolean' || typeof fallback === 'number' ? fallback : undefined,
      options: input.options ?? [],
      description: input.description,
    };
  }
  return out;
}
