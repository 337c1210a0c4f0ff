/** The registry of the `workflow` package: workflow and action files, expressions, the job graph. */
import { defineErrors } from '@trueup/api';

export const WorkflowErrors = defineErrors({
  WORKFLOW_INVALID: { message: 'invalid workflow', retryable: false, httpStatus: 400 },
  WORKFLOW_UNSUPPORTED: { message: 'cannot run here', retryable: false, httpStatus: 400 },
  WORKFLOW_NOT_FOUND: { message: 'no such workflow', retryable: false, httpStatus: 404 },
  WORKFLOW_NEEDS_CYCLE: { message: 'needs form a cycle', retryable: false, httpStatus: 400 },
  WORKFLOW_MATRIX_TOO_LARGE: { message: 'the matrix makes more than 256 jobs', retryable: false, httpStatus: 400 },
  WORKFLOW_MATRIX_INVALID: { message: 'invalid matrix', retryable: false, httpStatus: 400 },
  WORKFLOW_EXPRESSION_INVALID: { message: 'invalid expression', retryable: false, httpStatus: 400 },
  WORKFLOW_INPUT_INVALID: { message: 'invalid input', retryable: false, httpStatus: 400 },
  ACTION_INVALID: { message: 'invalid action', retryable: false, httpStatus: 400 },
});

export type WorkflowErrorCode = Exclude<keyof typeof WorkflowErrors, 'create'>;
