/** Health of run-to-completion work: Job and CronJob. */
import type { Health } from '@trueup/api';
import { conditionsOf, degraded, findCondition, healthy, int, list, progressing, reasonMessage, str, suspended, type KubeObject } from './kube-health-fields.ts';

export function jobHealth(obj: KubeObject): Health {
  const conditions = conditionsOf(obj.status.conditions);
  const isTrue = (type: string) => {
    const condition = findCondition(conditions, type);
    return condition?.status === 'True' ? condition : undefined;
  };
  // FailureTarget: the Job is certain to fail and is terminating its pods; Failed follows.
  const failed = isTrue('Failed') ?? isTrue('FailureTarget');
  if (failed !== undefined) return degraded(reasonMessage(failed.reason || 'Failed', failed.message));
  const complete = isTrue('Complete');
  if (complete !== undefined) return healthy(`completed, ${int(obj.status.succeeded)} succeeded`);
  if (isTrue('Suspended') !== undefined || obj.spec.suspend === true) return suspended('job suspended');

  const active = int(obj.status.active);
  const succeeded = int(obj.status.succeeded);
  const completions = typeof obj.spec.completions === 'number' ? ` of ${obj.spec.completions}` : '';
  const failures = int(obj.status.failed);
  return progressing(`running: ${active} active, ${succeeded}${completions} succeeded${failures > 0 ? `, ${failures} failed` : ''}`);
}

/**
 * The CronJob's own status is all that is visible here: `lastScheduleTime` (the newest run
 * started), `lastSuccessfulTime` (the newest run that succeeded) and `active` (runs still going).
 * A finished newest run without a success at or after its start has failed.
 */
export function cronJobHealth(obj: KubeObject): Health {
  if (obj.spec.suspend === true) return suspended('cron job suspended');
  const lastSchedule = str(obj.status.lastScheduleTime);
  if (lastSchedule === '') return healthy('not run yet');
  const active = list(obj.status.active).length;
  if (active > 0) return healthy(`${active} run${active === 1 ? '' : 's'} active`);
  const lastSuccess = str(obj.status.lastSuccessfulTime);
  if (lastSuccess === '') return degraded(`no successful run; last run scheduled at ${lastSchedule}`);
  if (isBefore(lastSuccess, lastSchedule)) return degraded(`last run (scheduled at ${lastSchedule}) did not succeed; last success at ${lastSuccess}`);
  return healthy(`last run succeeded at ${lastSuccess}`);
}

/** RFC 3339 timestamps as the API server writes them; unparsable ones compare as not-before. */
function isBefore(a: string, b: string): boolean {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  return Number.isFinite(ta) && Number.isFinite(tb) && ta < tb;
}
