/** The error registry of the host provider: callers branch on `code`. */
import { defineErrors } from '@trueup/api';

export const HostErrors = defineErrors({
  HOST_PATH_ESCAPES_ROOT: { message: 'path leads outside the destination root', retryable: false, httpStatus: 400 },
  HOST_PATH_INVALID: { message: 'invalid host path', retryable: false, httpStatus: 400 },
  HOST_PATH_OCCUPIED: { message: 'path is occupied by something that will not be replaced', retryable: false, httpStatus: 409 },
  HOST_NOT_A_DIRECTORY: { message: 'a parent of the path is not a directory', retryable: false, httpStatus: 409 },
  HOST_ROOT_INVALID: { message: 'the destination root is not a directory', retryable: false, httpStatus: 400 },
  HOST_OWNER_UNKNOWN: { message: 'unknown user or group', retryable: false, httpStatus: 400 },
  HOST_APPLY_FAILED: { message: 'could not change the host', retryable: true, httpStatus: 500 },
  HOST_COMMAND_FAILED: { message: 'command failed', retryable: true, httpStatus: 500 },
  HOST_SERVICE_START_FAILED: { message: 'service did not start', retryable: true, httpStatus: 500 },
  HOST_SERVICE_STOP_FAILED: { message: 'service did not stop', retryable: true, httpStatus: 500 },
  HOST_KIND_UNKNOWN: { message: 'not a host kind', retryable: false, httpStatus: 400 },
});

export type HostErrorCode = Exclude<keyof typeof HostErrors, 'create'>;

/** The errno code of a Node.js system error, if it is one. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** Wraps an unexpected system error; TrueupErrors pass through unchanged. */
export function applyFailed(what: string, error: unknown): Error {
  if (error instanceof Error && error.name === 'TrueupError') return error;
  const reason = error instanceof Error ? error.message : String(error);
  return HostErrors.create('HOST_APPLY_FAILED', `${what}: ${reason}`, {}, { cause: error });
}
