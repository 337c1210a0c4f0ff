/** A loaded workflow: what the job graph, the triggers and the runner read. */
import type { SourcePosition, StepSpec, TemplateValue } from '@trueup/api';

export interface DispatchInput {
  type: 'string' | 'choice' | 'boolean' | 'number' | 'environment';
  required: boolean;
  default: string | boolean | number | undefined;
  options: string[];
  description: string | undefined;
}

export interface Triggers {
  push?: { branches?: string[]; 'branches-ignore'?: string[]; tags?: string[]; 'tags-ignore'?: string[]; paths?: string[]; 'paths-ignore'?: string[] };
  workflowDispatch?: { inputs: Record<string, DispatchInput> };
  schedule?: { cron: string; timezone?: string }[];
}

export interface Concurrency {
  group: TemplateValue;
  cancelInProgress: TemplateValue;
}

export interface WorkflowJob {
  id: string;
  name: TemplateValue | undefined;
  needs: string[];
  if: string;
  runsOn: TemplateValue;
  strategy: {
    matrix: TemplateValue | undefined;
    failFast: TemplateValue;
    maxParallel: TemplateValue | undefined;
  };
  env: Record<string, TemplateValue>;
  defaultsRun: { shell?: TemplateValue; workingDirectory?: TemplateValue };
  outputs: Record<string, TemplateValue>;
  timeoutMinutes: TemplateValue;
  continueOnError: TemplateValue;
  environment: { name: TemplateValue; url: TemplateValue | undefined } | undefined;
  concurrency: Concurrency | undefined;
  steps: StepSpec[];
  at: SourcePosition;
}

export interface Workflow {
  /** Path relative to the repository root, e.g. `.trueup/workflows/ci.yml`. */
  file: string;
  name: string;
  on: Triggers;
  env: Record<string, TemplateValue>;
  defaultsRun: { shell?: TemplateValue; workingDirectory?: TemplateValue };
  concurrency: Concurrency | undefined;
  jobs: WorkflowJob[];
}
