/** The registry of the `runner` package: running jobs and steps. */
import { defineErrors } from '@trueup/api';

export const RunnerErrors = defineErrors({
  RUNNER_STEP_FAILED: { message: 'a step failed', retryable: false, httpStatus: 500 },
  RUNNER_CHECKOUT_FAILED: { message: 'checkout failed', retryable: true, httpStatus: 500 },
  RUNNER_ACTION_NOT_FOUND: { message: 'local action not found', retryable: false, httpStatus: 400 },
  RUNNER_ARTIFACT_INVALID: { message: 'invalid artifact', retryable: false, httpStatus: 400 },
  RUNNER_ARTIFACT_NOT_FOUND: { message: 'no such artifact', retryable: false, httpStatus: 404 },
  RUNNER_FILE_COMMAND_INVALID: { message: 'invalid $GITHUB_OUTPUT or $GITHUB_ENV file', retryable: false, httpStatus: 400 },
  RUNNER_NOT_A_CHECKOUT: { message: 'not in a Git checkout', retryable: false, httpStatus: 400 },
  RUNNER_SECRET_FILE_INVALID: { message: 'invalid secret file', retryable: false, httpStatus: 400 },
});
