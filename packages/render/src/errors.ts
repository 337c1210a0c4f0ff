/** The error registry of the `render` package. Callers branch on `code`, never on message text. */
import { defineErrors } from '@trueup/api';

export const RenderErrors = defineErrors({
  /** `spec.source.path` (or a manifest reached through a symlink) lies outside the checkout. */
  RENDER_PATH_ESCAPES_REPO: { message: 'path leads outside the repository', retryable: false, httpStatus: 400 },
  /** `spec.source.path` does not exist or is not a folder; a manifest symlink points to nothing. */
  RENDER_PATH_NOT_FOUND: { message: 'path not found in the repository', retryable: false, httpStatus: 404 },
  /** `File.spec.source` climbs out of the checkout, directly or through a symlink. */
  RENDER_SOURCE_ESCAPES_REPO: { message: 'source file leads outside the repository', retryable: false, httpStatus: 400 },
  /** `File.spec.source` does not exist or is not a regular file. */
  RENDER_SOURCE_NOT_FOUND: { message: 'source file not found in the repository', retryable: false, httpStatus: 404 },
  /** Two File/Directory/Symlink objects manage the same host path. */
  RENDER_DUPLICATE_PATH: { message: 'two resources manage the same path', retryable: false, httpStatus: 409 },
  /** An `onChange` entry names no object of the render. */
  RENDER_REFERENCE_UNKNOWN: { message: 'reference to an unknown resource', retryable: false, httpStatus: 400 },
  /** Too many files or objects, or a source file too large. */
  RENDER_LIMIT: { message: 'render input exceeds a limit', retryable: false, httpStatus: 413 },
  /** Reading the checkout failed for a reason other than a missing file (permissions, I/O). */
  RENDER_READ_FAILED: { message: 'could not read the repository checkout', retryable: true, httpStatus: 500 },
  /** The `kustomize` or `helm` binary is not installed (or not executable) where the agent looks for it. */
  RENDER_TOOL_MISSING: { message: 'rendering tool not found', retryable: false, httpStatus: 500 },
  /** `kustomize build` or `helm template` exited with an error: the message carries its stderr. */
  RENDER_TOOL_FAILED: { message: 'rendering tool failed', retryable: false, httpStatus: 422 },
  /** `kustomize build` or `helm template` outlived its time limit and was killed. */
  RENDER_TOOL_TIMEOUT: { message: 'rendering tool timed out', retryable: true, httpStatus: 504 },
});

export type RenderErrorCode = Exclude<keyof typeof RenderErrors, 'create'>;
