/**
 * Readiness beyond an application's own objects (Flux's `healthChecks` and `wait: true`): objects
 * of the cluster, and applications the agent runs (a Kustomization, a HelmRelease, an Application
 * it declares or names). An application is Ready only once each of them is Healthy; until then its
 * health is the worst of theirs and `Ready` is False, naming them. Pure: the caller observes.
 */
import { displayKey, type ApplicationStatus, type Condition, type Health, type LiveObject, type ObjectHealthCheck, type ObjectKey, type Provider } from '@trueup/api';
import { healthOf, worstHealth } from '@trueup/engine';

export interface CheckResult {
  /** What was checked, as the status names it: `Deployment/shop/web`, `HelmRelease/redis`. */
  what: string;
  health: Health;
}

/** Reasons of `Ready` while a health check holds it, as Flux names them. */
export const HEALTH_CHECK_REASONS = { Progressing: 'Progressing', Failed: 'HealthCheckFailed' } as const;

const APPLICATION_KINDS: Record<string, RegExp> = {
  Kustomization: /^kustomize\.toolkit\.fluxcd\.io\//,
  HelmRelease: /^helm\.toolkit\.fluxcd\.io\//,
  Application: /^(argoproj\.io|trueup\.dev)\//,
};

/** A check on an application the agent runs (by name), rather than on an object of the cluster. */
export function isApplicationCheck(check: ObjectHealthCheck): boolean {
  const group = APPLICATION_KINDS[check.kind];
  return group !== undefined && (check.apiVersion === undefined || group.test(check.apiVersion));
}

/** The cluster objects among the checks, as keys to observe. */
export function objectCheckKeys(checks: readonly ObjectHealthCheck[]): ObjectKey[] {
  return checks.filter((check) => !isApplicationCheck(check) && check.apiVersion !== undefined).map((check) => ({
    apiVersion: check.apiVersion ?? '', kind: check.kind, name: check.name, ...(check.namespace === undefined ? {} : { namespace: check.namespace }),
  }));
}

export function objectCheck(live: LiveObject): CheckResult {
  return { what: displayKey(live.key), health: healthOf(live) };
}

/** The cluster objects an application's healthChecks name, observed with its passes and rechecks. */
export class CheckedObjects {
  readonly #keys: ObjectKey[];
  #observed: LiveObject[] = [];

  constructor(checks: readonly ObjectHealthCheck[]) {
    this.#keys = objectCheckKeys(checks);
  }

  get any(): boolean {
    return this.#keys.length > 0;
  }

  async observe(provider: Provider): Promise<void> {
    if (this.#keys.length > 0) this.#observed = await provider.observe(this.#keys, new Map());
  }

  results(): CheckResult[] {
    return this.#observed.map(objectCheck);
  }
}

/**
 * An application the agent runs is Healthy as a check when it is Ready: Synced, Healthy, without
 * error; one the agent does not run is Missing.
 */
export function applicationCheck(kind: string, name: string, status: ApplicationStatus | undefined): CheckResult {
  const what = `${kind}/${name}`;
  if (status === undefined) return { what, health: { status: 'Missing', message: 'no application of that name runs here' } };
  const ready = status.conditions.find((c) => c.type === 'Ready');
  if (status.error !== undefined) return { what, health: { status: 'Degraded', message: status.error.message } };
  if (status.health.status !== 'Healthy') return { what, health: status.health };
  if (status.sync !== 'Synced' || ready?.status === 'False') return { what, health: { status: 'Progressing', message: ready?.message ?? `sync ${status.sync}` } };
  return { what, health: status.health };
}

/**
 * The status with its checks folded in. An error or an OutOfSync application keeps its own
 * conditions (they say more); otherwise a failing check makes `Ready` False, its transition time
 * kept from `previous` while it stays False.
 */
export function withHealthChecks(status: ApplicationStatus, checks: readonly CheckResult[], previous: readonly Condition[], now: string): ApplicationStatus {
  const failing = checks.filter((check) => check.health.status !== 'Healthy');
  if (failing.length === 0) return status;
  const worst = worstHealth([status.health, ...failing.map((check) => check.health)]);
  const described = failing.map((check) => `${check.what}: ${check.health.status}${check.health.message === undefined || check.health.message === '' ? '' : ` (${check.health.message})`}`);
  const health: Health = worst === status.health ? status.health : { status: worst.status, message: `health check ${described[0] ?? ''}` };
  if (status.error !== undefined || status.sync === 'OutOfSync') return { ...status, health };
  const progressing = failing.every((check) => check.health.status === 'Progressing');
  const reason = progressing ? HEALTH_CHECK_REASONS.Progressing : HEALTH_CHECK_REASONS.Failed;
  const message = `health checks not passed: ${described.slice(0, 5).join('; ')}${described.length > 5 ? '; …' : ''}`;
  const replace = (condition: Condition, next: Pick<Condition, 'status' | 'reason' | 'message'>): Condition => {
    const before = previous.find((c) => c.type === condition.type);
    return { ...condition, ...next, lastTransitionTime: before !== undefined && before.status === next.status ? before.lastTransitionTime : now };
  };
  const conditions = status.conditions.map((condition) => {
    if (condition.type === 'Ready') return replace(condition, { status: 'False', reason, message });
    if (condition.type === 'Reconciling') return replace(condition, { status: progressing ? 'True' : 'False', reason, message: '' });
    return condition;
  });
  return { ...status, health, conditions };
}
