/** Health of a HorizontalPodAutoscaler, from the conditions its controller writes. */
import type { Health } from '@trueup/api';
import {
  conditionsOf, degraded, findCondition, healthy, int, progressing, reasonMessage, record, str, suspended,
  type KubeCondition, type KubeObject,
} from './kube-health-fields.ts';

/** autoscaling/v1 carries the v2 conditions as JSON in an annotation. */
const V1_CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';

export function hpaHealth(obj: KubeObject): Health {
  const conditions = hpaConditions(obj);
  if (conditions.length === 0) return progressing('waiting for the first scaling decision');

  const able = findCondition(conditions, 'AbleToScale');
  // Backoff*: a rescale happened moments ago and the next one waits; nothing is wrong.
  if (able?.status === 'False' && !able.reason.startsWith('Backoff')) return degraded(reasonMessage(able.reason, able.message));
  const active = findCondition(conditions, 'ScalingActive');
  if (active?.status === 'False') {
    // The target was scaled to zero: autoscaling is off until it is scaled up again.
    if (active.reason === 'ScalingDisabled') return suspended(reasonMessage(active.reason, active.message));
    return degraded(reasonMessage(active.reason, active.message));
  }
  const current = int(obj.status.currentReplicas);
  const desired = int(obj.status.desiredReplicas, current);
  return healthy(current === desired ? `${current} replicas` : `${current} replicas, scaling to ${desired}`);
}

function hpaConditions(obj: KubeObject): KubeCondition[] {
  const fromStatus = conditionsOf(obj.status.conditions);
  if (fromStatus.length > 0) return fromStatus;
  const annotation = str(record(obj.metadata.annotations)[V1_CONDITIONS_ANNOTATION]);
  if (annotation === '') return [];
  try {
    return conditionsOf(JSON.parse(annotation));
  } catch {
    return [];
  }
}
