/** The agent's error registry. */
import { defineErrors } from '@trueup/api';

export const AgentErrors = defineErrors({
  AGENT_APPLICATION_NOT_FOUND: { message: 'no such application', retryable: false, httpStatus: 404 },
  AGENT_OBJECT_UNKNOWN: { message: 'the application has no such object', retryable: false, httpStatus: 404 },
  AGENT_NO_APPLICATIONS: { message: 'no Application found in the paths given', retryable: false, httpStatus: 400 },
  AGENT_DUPLICATE_APPLICATION: { message: 'two Applications share a name', retryable: false, httpStatus: 409 },
  AGENT_RENDER_EMPTY: { message: 'the render is empty while the inventory is not; nothing is pruned', retryable: false, httpStatus: 409 },
  AGENT_APPLY_FAILED: { message: 'some resources could not be applied', retryable: true, httpStatus: 500 },
  AGENT_LISTEN_INVALID: { message: 'the listen address is not valid or not allowed', retryable: false, httpStatus: 400 },
  AGENT_LISTEN_FAILED: { message: 'cannot listen', retryable: false, httpStatus: 500 },
  AGENT_DESTINATION_UNSUPPORTED: { message: 'this agent cannot reach the destination', retryable: false, httpStatus: 400 },
  AGENT_CHILD_APPLICATION_REFUSED: { message: 'an Application from Git asks for more than its parent may deploy', retryable: false, httpStatus: 400 },
  AGENT_NOT_RUNNING: { message: 'no agent is running for this state directory', retryable: true, httpStatus: 503 },
  AGENT_STATE_DIR_LOCKED: { message: 'another trueup process writes to this state directory', retryable: true, httpStatus: 409 },
  AGENT_API_UNAUTHORIZED: { message: 'the agent API needs its token', retryable: false, httpStatus: 401 },
  AGENT_API_FORBIDDEN: { message: 'the request comes from a foreign host name or another site', retryable: false, httpStatus: 403 },
  AGENT_API_BAD_REQUEST: { message: 'the request is malformed', retryable: false, httpStatus: 400 },
  AGENT_CHART_INVALID: { message: 'a chart pulled from a Helm repository is not a valid chart', retryable: true, httpStatus: 502 },
  AGENT_CHART_CREDENTIALS: { message: 'the Helm repository credentials cannot be read', retryable: false, httpStatus: 400 },
  AGENT_FLUX_SECRET_MISSING: { message: 'the files of a Flux secretRef are missing', retryable: true, httpStatus: 400 },
  AGENT_POST_BUILD_SOURCE_MISSING: { message: 'a ConfigMap or Secret of postBuild.substituteFrom or valuesFrom does not exist', retryable: true, httpStatus: 400 },
  AGENT_SOPS_KEYS_MISSING: { message: 'the age key files for SOPS decryption cannot be read', retryable: true, httpStatus: 400 },
  AGENT_CHILD_PRUNE_FAILED: { message: 'the objects of an application removed from Git could not all be pruned', retryable: true, httpStatus: 500 },
  AGENT_FLUX_KIND_UNSUPPORTED: { message: 'a Flux kind Trueup does not read', retryable: false, httpStatus: 400 },
});
