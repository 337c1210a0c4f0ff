/** Health: a pure function per kind (host kinds here, Kubernetes kinds in kube-health.ts), and a worst-wins aggregate. */
import type { Health, HealthStatus, LiveObject } from '@trueup/api';
import { isPlainObject } from './compare.ts';
import { kubeHealth } from './kube-health.ts';

/** Argo CD's order, best first: the aggregate takes the worst. */
const SEVERITY: Record<HealthStatus, number> = { Healthy: 0, Suspended: 1, Progressing: 2, Missing: 3, Degraded: 4, Unknown: 5 };

type HealthCheck = (live: LiveObject & { manifest: NonNullable<LiveObject['manifest']> }) => Health;

const HEALTH_BY_KIND: Record<string, HealthCheck> = {
  Service: serviceHealth,
  Command: commandHealth,
};

export function healthOf(live: LiveObject): Health {
  if (live.manifest === undefined) return unreadable(live) ?? { status: 'Missing', message: 'not found' };
  if (!live.key.apiVersion.startsWith('host.trueup.dev/')) return kubeHealth(live.manifest, live.status);
  const check = HEALTH_BY_KIND[live.key.kind];
  return check === undefined ? conditionsHealth(live.status) : check({ ...live, manifest: live.manifest });
}

/** An object whose observe failed may well exist: Unknown with the reason, never Missing. */
function unreadable(live: LiveObject): Health | undefined {
  const error = live.status?.['error'];
  if (error === undefined) return undefined;
  const message = isPlainObject(error) && typeof error['message'] === 'string' ? error['message'] : 'could not be read';
  return { status: 'Unknown', message };
}

export function worstHealth(healths: readonly Health[]): Health {
  let worst: Health = { status: 'Healthy' };
  for (const health of healths) if (SEVERITY[health.status] > SEVERITY[worst.status]) worst = health;
  return worst;
}

function serviceHealth({ status = {} }: LiveObject): Health {
  const message = typeof status.message === 'string' ? status.message : undefined;
  const withMessage = (health: HealthStatus, fallback: string): Health => ({ status: health, message: message ?? fallback });
  switch (status.phase) {
    case 'starting':
      return withMessage('Progressing', 'starting');
    case 'backoff':
      return withMessage('Degraded', `exited, restarting (${numberOr(status.restarts, 0)} restarts)`);
    case 'failed':
      return withMessage('Degraded', `exited with code ${numberOr(status.lastExitCode, 'unknown')}`);
    case 'stopped':
      return withMessage('Suspended', 'stopped');
    case 'running':
      if (status.healthy === false) return withMessage(status.inStartPeriod === true ? 'Progressing' : 'Degraded', 'health check failing');
      // A service with a health check (inStartPeriod is reported) that has not answered yet is not known to be healthy.
      if (typeof status.inStartPeriod === 'boolean' && status.healthy !== true) return withMessage('Progressing', 'health check not run yet');
      return { status: 'Healthy', message: `running, pid ${numberOr(status.pid, '?')}` };
    default:
      return { status: 'Unknown', message: 'no process state' };
  }
}

function commandHealth({ status = {} }: LiveObject): Health {
  if (typeof status.lastExitCode === 'number' && status.lastExitCode !== 0) {
    return { status: 'Degraded', message: `last run exited with code ${status.lastExitCode}` };
  }
  return { status: 'Healthy' };
}

/** Objects that report kstatus-style conditions (`Ready`, `Stalled`); others are Healthy once they exist. */
function conditionsHealth(status: Record<string, unknown> | undefined): Health {
  const conditions = Array.isArray(status?.conditions) ? status.conditions.filter(isPlainObject) : [];
  const find = (type: string): Record<string, unknown> | undefined => conditions.find((c) => c.type === type);
  const message = (c: Record<string, unknown> | undefined): string | undefined => (typeof c?.message === 'string' ? c.message : undefined);
  const stalled = find('Stalled');
  if (stalled?.status === 'True') return { status: 'Degraded', ...optional(message(stalled)) };
  const reconciling = find('Reconciling');
  if (reconciling?.status === 'True') return { status: 'Progressing', ...optional(message(reconciling)) };
  const ready = find('Ready');
  if (ready?.status === 'False') return { status: 'Degraded', ...optional(message(ready)) };
  return { status: 'Healthy' };
}

function optional(message: string | undefined): { message?: string } {
  return message === undefined ? {} : { message };
}

function numberOr(value: unknown, fallback: number | string): string {
  return String(typeof value === 'number' ? value : fallback);
}
