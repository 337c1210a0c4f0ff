import { defineErrors } from '@trueup/api';

/**
 * Error codes of the `gitops` package. Retryable: the same write may succeed later (a race, the
 * network). Not retryable: the file, the key, the value or the branch's rules must change first.
 */
export const GitopsErrors = defineErrors({
  GITOPS_KEY_INVALID: { message: 'invalid key path', retryable: false, httpStatus: 400 },
  GITOPS_KEY_NOT_FOUND: { message: 'the key does not exist in the file', retryable: false, httpStatus: 404 },
  GITOPS_KEY_AMBIGUOUS: { message: 'the key exists in more than one document', retryable: false, httpStatus: 409 },
  GITOPS_FILE_NOT_FOUND: { message: 'the file does not exist in the branch', retryable: false, httpStatus: 404 },
  GITOPS_YAML_INVALID: { message: 'the file is not valid YAML', retryable: false, httpStatus: 400 },
  GITOPS_TYPE_CHANGE: { message: 'the value would change the YAML type of the key', retryable: false, httpStatus: 409 },
  GITOPS_VALUE_DIFFERS: { message: 'the file does not hold the value the object renders', retryable: false, httpStatus: 409 },
  GITOPS_VALUE_NOT_IN_REPO: { message: 'the value that renders comes from outside the repository\'s files', retryable: false, httpStatus: 409 },
  GITOPS_TEMPLATED: { message: 'the field does not come from one values key of the chart', retryable: false, httpStatus: 409 },
  GITOPS_NOT_A_SCALAR: { message: 'the key does not hold a single value', retryable: false, httpStatus: 409 },
  GITOPS_VALUE_INVALID: { message: 'the value cannot be written there', retryable: false, httpStatus: 400 },
  GITOPS_EDIT_UNSTABLE: { message: 'the edited file does not read back as intended', retryable: false, httpStatus: 500 },
  GITOPS_PUSH_REJECTED: { message: 'the Git server rejected the push', retryable: false, httpStatus: 409 },
  GITOPS_PUSH_RACE: { message: 'the branch kept moving while pushing', retryable: true, httpStatus: 409 },
  GITOPS_GIT_FAILED: { message: 'a git command failed', retryable: true, httpStatus: 502 },
  GITOPS_REF_INVALID: { message: 'invalid branch name', retryable: false, httpStatus: 400 },
});

export type GitopsErrorCode = Exclude<keyof typeof GitopsErrors, 'create'>;
