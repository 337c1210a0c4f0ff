/**
 * Whether an application has reached a revision: applied and Healthy, Degraded (with the failing
 * resources and conditions), failed (the pass's error), or still pending. Pure: the wait route
 * asks it after every change the agent reports.
 */
import type { ApplicationStatus } from '@trueup/api';

export type WaitState = 'healthy' | 'degraded' | 'failed' | 'pending';

export interface FailingResource {
  kind: string;
  name: string;
  namespace?: string;
  health: string;
  sync: string;
  message: string;
}

export interface WaitVerdict {
  state: WaitState;
  /** Why it is not done yet, or why it failed, in one line. */
  reason: string;
  revision: string;
  appliedRevision: string;
  sync: string;
  health: string;
  conditions: ApplicationStatus['conditions'];
  failing: FailingResource[];
  error?: ApplicationStatus['error'];
}

/** True when `sha` (full, or an abbreviation of at least 7 hex digits) names `revision`. */
export function sameRevision(revision: string, sha: string): boolean {
  return revision !== '' && revision.toLowerCase().startsWith(sha.toLowerCase());
}

export function waitVerdict(status: ApplicationStatus | undefined, sha: string): WaitVerdict {
  if (status === undefined) {
    return { state: 'pending', reason: 'the agent has not reported this application yet', revision: '', appliedRevision: '', sync: 'Unknown', health: 'Unknown', conditions: [], failing: [] };
  }
  const base = {
    revision: status.revision,
    appliedRevision: status.appliedRevision,
    sync: status.sync,
    health: status.health.status,
    conditions: status.conditions,
    failing: failingResources(status),
  };
  if (status.error !== undefined && sameRevision(status.revision, sha)) {
    return { ...base, state: 'failed', reason: `the agent could not apply ${sha}: ${status.error.message}`, error: status.error };
  }
  if (!sameRevision(status.appliedRevision, sha)) {
    const at = status.appliedRevision === '' ? 'nothing applied yet' : `applied ${status.appliedRevision.slice(0, 12)}`;
    return { ...base, state: 'pending', reason: `waiting for the agent to apply ${sha.slice(0, 12)} (${at})` };
  }
  if (status.health.status === 'Degraded') {
    const first = base.failing[0];
    const what = first === undefined ? status.health.message ?? 'Degraded' : `${first.kind}/${first.name}: ${first.message}`;
    return { ...base, state: 'degraded', reason: `${sha.slice(0, 12)} is applied but Degraded: ${what}` };
  }
  if (status.health.status === 'Healthy' && status.sync === 'Synced') {
    return { ...base, state: 'healthy', reason: `${sha.slice(0, 12)} is applied, Synced and Healthy` };
  }
  return { ...base, state: 'pending', reason: `${sha.slice(0, 12)} is applied; ${status.sync}, ${status.health.status}${status.health.message === undefined ? '' : `: ${status.health.message}`}` };
}

function failingResources(status: ApplicationStatus): FailingResource[] {
  return status.resources
    .filter((resource) => resource.health.status === 'Degraded' || resource.health.status === 'Missing')
    .map((resource) => ({
      kind: resource.kind,
      name: resource.name,
      ...(resource.namespace === undefined ? {} : { namespace: resource.namespace }),
      health: resource.health.status,
      sync: resource.sync,
      message: resource.health.message ?? '',
    }));
}
