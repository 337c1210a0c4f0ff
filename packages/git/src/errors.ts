import { defineErrors } from '@trueup/api';

/**
 * Error codes of the `git` package. Retryable: the same source may work later (network, a ref that
 * moved during a fetch). Not retryable: the Application or its credentials must change first.
 */
export const GitErrors = defineErrors({
  GIT_URL_INVALID: { message: 'invalid repository URL', retryable: false, httpStatus: 400 },
  GIT_CREDENTIALS_FILE: { message: 'cannot read a credentials file', retryable: false, httpStatus: 400 },
  GIT_AUTH_FAILED: { message: 'the Git server rejected the credentials', retryable: false, httpStatus: 502 },
  GIT_UNREACHABLE: { message: 'cannot connect to the Git server', retryable: true, httpStatus: 502 },
  GIT_TIMEOUT: { message: 'a git command timed out', retryable: true, httpStatus: 504 },
  GIT_REPO_NOT_FOUND: { message: 'repository not found', retryable: false, httpStatus: 404 },
  GIT_REF_NOT_FOUND: { message: 'ref not found in the repository', retryable: false, httpStatus: 404 },
  GIT_PATH_NOT_FOUND: { message: 'path not found in the revision', retryable: false, httpStatus: 404 },
  GIT_FETCH_FAILED: { message: 'git fetch failed', retryable: true, httpStatus: 502 },
  GIT_CACHE_LOCKED: { message: 'a lock file of the local Git cache is in the way', retryable: true, httpStatus: 503 },
  GIT_CACHE_CORRUPT: { message: 'the local Git cache is damaged', retryable: true, httpStatus: 500 },
  GIT_CACHE_FAILED: { message: 'the local Git cache failed', retryable: true, httpStatus: 500 },
  GIT_NOT_INSTALLED: { message: 'the git command is not installed', retryable: false, httpStatus: 500 },
});

export type GitErrorCode = Exclude<keyof typeof GitErrors, 'create'>;
