/**
 * Health of the controllers that roll out pods: Deployment, StatefulSet, DaemonSet, ReplicaSet.
 * kubeHealth has already checked that their status describes the current generation.
 */
import type { Health } from '@trueup/api';
import {
  conditionsOf, degraded, findCondition, healthy, int, plural, progressing, reasonMessage, record, str, suspended,
  type KubeObject,
} from './kube-health-fields.ts';

export function deploymentHealth(obj: KubeObject): Health {
  if (obj.spec.paused === true) return suspended('rollout paused');

  const conditions = conditionsOf(obj.status.conditions);
  const progress = findCondition(conditions, 'Progressing');
  if (progress?.reason === 'ProgressDeadlineExceeded') return degraded(reasonMessage('progress deadline exceeded', progress.message));
  const failure = findCondition(conditions, 'ReplicaFailure');
  if (failure?.status === 'True') return degraded(reasonMessage(failure.reason, failure.message));

  const desired = int(obj.spec.replicas, 1);
  const replicas = int(obj.status.replicas);
  const updated = int(obj.status.updatedReplicas);
  const available = int(obj.status.availableReplicas);
  if (updated < desired) return progressing(`${updated} of ${plural(desired, 'replica')} updated`);
  if (replicas > updated) return progressing(`${plural(replicas - updated, 'old replica')} pending termination`);
  if (available < updated) return progressing(`${available} of ${updated} updated replicas are available`);
  return healthy(`${plural(available, 'replica')} available`);
}

export function statefulSetHealth(obj: KubeObject): Health {

  const desired = int(obj.spec.replicas, 1);
  const replicas = int(obj.status.replicas);
  const ready = int(obj.status.readyReplicas);
  const updated = int(obj.status.updatedReplicas);
  if (ready < desired) return progressing(`${ready} of ${plural(desired, 'pod')} ready`);
  if (replicas > desired) return progressing(`${plural(replicas - desired, 'extra pod')} pending termination`);

  const strategy = record(obj.spec.updateStrategy);
  // OnDelete: pods move to the new revision only when someone deletes them; nothing to wait for.
  if (str(strategy.type, 'RollingUpdate') === 'OnDelete') return healthy(`${plural(ready, 'pod')} ready (update strategy OnDelete)`);

  const partition = int(record(strategy.rollingUpdate).partition);
  if (partition > 0) {
    // Pods below the partition stay at the old revision by design.
    const target = Math.max(0, desired - partition);
    if (updated < target) return progressing(`${updated} of ${plural(target, 'pod')} above partition ${partition} updated`);
    return healthy(`${plural(ready, 'pod')} ready, ${updated} updated (partition ${partition})`);
  }
  const currentRevision = str(obj.status.currentRevision);
  const updateRevision = str(obj.status.updateRevision);
  if (updated < desired || currentRevision !== updateRevision) {
    return progressing(`${updated} of ${plural(desired, 'pod')} updated to revision ${updateRevision || '?'}`);
  }
  return healthy(`${plural(ready, 'pod')} ready`);
}

export function daemonSetHealth(obj: KubeObject): Health {

  const desired = int(obj.status.desiredNumberScheduled);
  const updated = int(obj.status.updatedNumberScheduled);
  const available = int(obj.status.numberAvailable);
  const onDelete = str(record(obj.spec.updateStrategy).type) === 'OnDelete';
  // OnDelete: old pods are replaced only when deleted, so "updated" is not a goal; availability still is.
  if (!onDelete && updated < desired) return progressing(`${updated} of ${plural(desired, 'pod')} updated`);
  if (available < desired) return progressing(`${available} of ${plural(desired, 'pod')} available`);
  return healthy(onDelete ? `${plural(available, 'pod')} available, ${updated} updated (update strategy OnDelete)` : `${plural(available, 'pod')} available`);
}

export function replicaSetHealth(obj: KubeObject): Health {

  const failure = findCondition(conditionsOf(obj.status.conditions), 'ReplicaFailure');
  if (failure?.status === 'True') return degraded(reasonMessage(failure.reason, failure.message));
  const desired = int(obj.spec.replicas, 1);
  const available = int(obj.status.availableReplicas);
  if (available < desired) return progressing(`${available} of ${plural(desired, 'replica')} available`);
  return healthy(`${plural(available, 'replica')} available`);
}
