/** The hub's error codes; each leaves the API as `{code, message, details}` with its HTTP status. */
import { defineErrors } from '@trueup/api';

export const HubErrors = defineErrors({
  HUB_UNAUTHENTICATED: { message: 'a valid bearer token is required', retryable: false, httpStatus: 401 },
  HUB_FORBIDDEN: { message: 'the token does not allow this', retryable: false, httpStatus: 403 },
  HUB_NOT_FOUND: { message: 'not found', retryable: false, httpStatus: 404 },
  HUB_REQUEST_INVALID: { message: 'invalid request', retryable: false, httpStatus: 400 },
  HUB_BODY_TOO_LARGE: { message: 'request body too large', retryable: false, httpStatus: 413 },
  HUB_JOIN_TOKEN_INVALID: { message: 'the join token is unknown, used or expired', retryable: false, httpStatus: 401 },
  HUB_WEBHOOK_FORGED: { message: 'the webhook\'s signature or token does not match', retryable: false, httpStatus: 401 },
  HUB_WEBHOOK_REPLAYED: { message: 'this webhook delivery was received before', retryable: false, httpStatus: 409 },
  HUB_TLS_INVALID: { message: 'the TLS certificate or key cannot be used', retryable: false, httpStatus: 500 },
  HUB_LISTEN_INVALID: { message: 'expected --listen HOST:PORT', retryable: false, httpStatus: 500 },
  HUB_OPTION_INVALID: { message: 'a hub option is out of its range', retryable: false, httpStatus: 500 },
  HUB_UNAVAILABLE: { message: 'the hub\'s database is not reachable', retryable: true, httpStatus: 503 },
  HUB_CONFLICT: { message: 'the request conflicts with the current state', retryable: false, httpStatus: 409 },
  HUB_LOGIN_FAILED: { message: 'unknown user or wrong password', retryable: false, httpStatus: 401 },
  HUB_LOGIN_THROTTLED: { message: 'too many failed logins: wait before trying again', retryable: true, httpStatus: 429 },
  HUB_REQUEST_HEADER_MISSING: { message: 'a request authenticated by the session cookie must carry the header X-Trueup-Request: 1', retryable: false, httpStatus: 403 },
  HUB_OIDC_FAILED: { message: 'the OpenID Connect login failed', retryable: false, httpStatus: 401 },
  HUB_REGISTRY_FAILED: { message: 'the OCI registry could not be read', retryable: true, httpStatus: 502 },
  HUB_INTERNAL: { message: 'internal error', retryable: true, httpStatus: 500 },
  HUB_AGENT_OFFLINE: { message: 'the environment\'s agent is not linked to the hub', retryable: true, httpStatus: 503 },
  HUB_AGENT_TIMEOUT: { message: 'the agent did not answer in time', retryable: true, httpStatus: 504 },
  HUB_AGENT_FAILED: { message: 'the agent could not answer', retryable: true, httpStatus: 502 },
});
export type HubErrorCode = Exclude<keyof typeof HubErrors, 'create'>;
