/** The error registry of the `kubernetes` package. Callers branch on `code`, never on message text. */
import { defineErrors } from '@trueup/api';

export const KubeErrors = defineErrors({
  /** The kubeconfig is missing, unreadable, or names no usable cluster, user or context. */
  KUBE_CONFIG_INVALID: { message: 'invalid kubeconfig', retryable: false, httpStatus: 400 },
  /** The kubeconfig's exec plugin is missing, failed, or answered no usable credential. */
  KUBE_EXEC_FAILED: { message: 'the kubeconfig exec plugin gave no credential', retryable: true, httpStatus: 502 },
  /** The API server did not answer (refused, reset, timed out, TLS failure). */
  KUBE_UNREACHABLE: { message: 'the Kubernetes API server is unreachable', retryable: true, httpStatus: 503 },
  /** 401: the credential was refused. */
  KUBE_UNAUTHORIZED: { message: 'the Kubernetes API server refused the credential', retryable: false, httpStatus: 401 },
  /** 403: RBAC denies the request. */
  KUBE_FORBIDDEN: { message: 'forbidden by the Kubernetes API server', retryable: false, httpStatus: 403 },
  /** The API server serves no such apiVersion and kind. */
  KUBE_KIND_UNKNOWN: { message: 'the cluster serves no such kind', retryable: false, httpStatus: 400 },
  /** 422 or 400: the API server rejected the object. */
  KUBE_INVALID: { message: 'the object is invalid', retryable: false, httpStatus: 422 },
  /** A field that cannot change after creation was changed in Git. */
  KUBE_IMMUTABLE_FIELD: { message: 'an immutable field changed', retryable: false, httpStatus: 422 },
  /** 404: no such object (or namespace). */
  KUBE_NOT_FOUND: { message: 'not found', retryable: true, httpStatus: 404 },
  /** 409 from a write. */
  KUBE_CONFLICT: { message: 'conflicting write', retryable: true, httpStatus: 409 },
  /** A Namespace to prune still holds objects this application does not own. */
  KUBE_NAMESPACE_NOT_EMPTY: { message: 'namespace holds objects not owned by this application', retryable: true, httpStatus: 409 },
  /** Any other error answer. */
  KUBE_REQUEST_FAILED: { message: 'Kubernetes API request failed', retryable: true, httpStatus: 502 },
});

export type KubeErrorCode = Exclude<keyof typeof KubeErrors, 'create'>;
