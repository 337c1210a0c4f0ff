/**
 * Pipelines: what a runner is given to run one job, and what it reports back. Plain JSON, so the
 * same values travel over the hub's link to a joined runner as are passed in-process by
 * `trueup run`. Expressions stay unevaluated (`{ $expr }`) where they depend on what earlier
 * steps of the job produce; the runner evaluates them with the job's contexts.
 */

/** Where in a workflow or action file a value was written. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/** An expression as written between `${{ }}` (a string with several becomes `format(…)`). */
export interface TemplateExpression {
  $expr: string;
}

/** A workflow value before evaluation: JSON whose leaves may be expressions. */
export type TemplateValue = null | boolean | number | string | TemplateExpression | TemplateValue[] | { [key: string]: TemplateValue };

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A built-in action: implemented by the runner itself, never fetched. */
export type BuiltinAction = 'checkout' | 'upload-artifact' | 'download-artifact' | 'gitops-set' | 'wait-healthy' | 'sync' | 'deploy' | 'release';

export type StepAction =
  | { kind: 'run'; run: TemplateValue; shell: TemplateValue | undefined; workingDirectory: TemplateValue | undefined }
  | { kind: 'local'; path: string; with: Record<string, TemplateValue> }
  | { kind: 'builtin'; action: BuiltinAction; ref: string; with: Record<string, TemplateValue> };

export interface StepSpec {
  /** The step's `id`, or a generated `__N` that expressions cannot name. */
  id: string;
  name: TemplateValue;
  if: string;
  env: Record<string, TemplateValue>;
  continueOnError: TemplateValue;
  timeoutMinutes: TemplateValue | undefined;
  action: StepAction;
  at: SourcePosition;
}

/** One job of a run, with its matrix values and upstream results resolved. */
export interface JobSpec {
  runId: string;
  /** The job's key in the workflow; with a matrix, `key (a, b)` in `name`. */
  jobId: string;
  name: string;
  workflowFile: string;
  /** Contexts the job's expressions read: github, inputs, vars, needs, matrix, strategy, secrets. */
  contexts: Record<string, JsonValue>;
  /** The workflow's and the job's env, evaluated. */
  env: Record<string, string>;
  defaultsRun: { shell?: string; workingDirectory?: string };
  timeoutMinutes: number;
  outputs: Record<string, TemplateValue>;
  steps: StepSpec[];
  /** Values never to appear in the log: the secrets given to this job. */
  masks: string[];
}

export type StepConclusion = 'success' | 'failure' | 'skipped' | 'cancelled';
export type JobConclusion = 'success' | 'failure' | 'skipped' | 'cancelled';

/** What a runner reports while it runs a job, in order. */
export type JobEvent =
  | { type: 'job-started'; jobId: string; name: string; isolation: string }
  | { type: 'step-started'; index: number; id: string; name: string }
  /** `seq`: numbered 1, 2, 3… per job by the runner link, so text sent again after a reconnect is written once. */
  | { type: 'log'; index: number | null; text: string; seq?: number }
  | { type: 'step-finished'; index: number; id: string; conclusion: StepConclusion; outcome: StepConclusion; outputs: Record<string, string>; durationMs: number }
  | { type: 'job-finished'; jobId: string; conclusion: JobConclusion; outputs: Record<string, string>; summary: string; durationMs: number };

export function isTemplateExpression(value: unknown): value is TemplateExpression {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { $expr?: unknown }).$expr === 'string';
}
