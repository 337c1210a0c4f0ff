/** Health of a Pod, from its phase, its conditions and its containers' states. */
import type { Health } from '@trueup/api';
import {
  conditionsOf, degraded, findCondition, healthy, int, list, progressing, reasonMessage, record, str, withMessage, type KubeObject,
} from './kube-health-fields.ts';

interface ContainerState {
  name: string;
  ready: boolean;
  restarts: number;
  waiting: { reason: string; message: string } | undefined;
  terminated: { reason: string; message: string; exitCode: number } | undefined;
  lastTerminated: { reason: string; exitCode: number } | undefined;
}

export function podHealth(obj: KubeObject): Health {
  const restartPolicy = str(obj.spec.restartPolicy, 'Always');
  const init = containersOf(obj.status.initContainerStatuses);
  const main = containersOf(obj.status.containerStatuses);

  // A container stuck waiting on an error. Only pods that restart forever: a run-once pod that
  // cannot pull its image stays Pending and shows as Progressing, as a retried hook should.
  if (restartPolicy === 'Always') {
    const stuck = [...init, ...main].filter((c) => c.waiting !== undefined && isErrorReason(c.waiting.reason));
    if (stuck.length > 0) return degraded(stuck.map((c) => `container ${c.name}: ${reasonMessage(c.waiting?.reason ?? '', c.waiting?.message ?? '')}`).join('; '));
  }

  const phase = str(obj.status.phase);
  switch (phase) {
    case 'Succeeded':
      return healthy('completed');
    case 'Failed':
      return degraded(failedMessage(obj, [...init, ...main]));
    case 'Pending':
      return progressing(pendingMessage(obj, [...init, ...main]));
    case 'Running':
      return runningHealth(obj, restartPolicy, main);
    default:
      return withMessage('Unknown', phase === '' ? 'no phase reported' : `phase ${phase}`);
  }
}

function runningHealth(obj: KubeObject, restartPolicy: string, containers: ContainerState[]): Health {
  // A pod that runs to completion is healthy when it has completed, not while it runs.
  if (restartPolicy !== 'Always') return progressing('running to completion');
  const ready = findCondition(conditionsOf(obj.status.conditions), 'Ready');
  const notReady = containers.filter((c) => !c.ready);
  if (ready?.status === 'True' || (ready === undefined && containers.length > 0 && notReady.length === 0)) return healthy('running, all containers ready');
  const restarted = notReady.find((c) => c.restarts > 0 && c.lastTerminated !== undefined);
  if (restarted?.lastTerminated !== undefined) {
    const { reason, exitCode } = restarted.lastTerminated;
    return degraded(`container ${restarted.name} restarted ${restarted.restarts} times, last exit code ${exitCode}${reason === '' ? '' : ` (${reason})`}`);
  }
  if (notReady.length > 0) return progressing(`waiting for containers to be ready: ${notReady.map((c) => c.name).join(', ')}`);
  return progressing(reasonMessage('not ready', ready?.message ?? ''));
}

function pendingMessage(obj: KubeObject, containers: ContainerState[]): string {
  const scheduled = findCondition(conditionsOf(obj.status.conditions), 'PodScheduled');
  if (scheduled?.status === 'False') return reasonMessage(scheduled.reason || 'not scheduled', scheduled.message);
  const waiting = containers.find((c) => c.waiting !== undefined);
  if (waiting?.waiting !== undefined) return `container ${waiting.name}: ${waiting.waiting.reason || 'waiting'}`;
  return reasonMessage('pending', str(obj.status.message));
}

function failedMessage(obj: KubeObject, containers: ContainerState[]): string {
  const reason = str(obj.status.reason);
  const message = str(obj.status.message);
  if (reason !== '' || message !== '') return reasonMessage(reason, message);
  for (const c of containers) {
    const t = c.terminated;
    if (t === undefined || (t.exitCode === 0 && t.reason !== 'OOMKilled')) continue;
    return `container ${c.name} ${t.reason === 'OOMKilled' ? 'was OOMKilled' : `exited with code ${t.exitCode}`}${t.message === '' ? '' : `: ${t.message}`}`;
  }
  return 'pod failed';
}

/** Waiting reasons that mean "will not start without a fix": back-offs and errors. */
function isErrorReason(reason: string): boolean {
  return reason.startsWith('Err') || reason.endsWith('Error') || reason.endsWith('BackOff') || reason === 'InvalidImageName';
}

function containersOf(statuses: unknown): ContainerState[] {
  return list(statuses).map((c) => {
    const state = record(c.state);
    const last = record(c.lastState);
    const waiting = state.waiting === undefined ? undefined : record(state.waiting);
    const terminated = state.terminated === undefined ? undefined : record(state.terminated);
    const lastTerminated = last.terminated === undefined ? undefined : record(last.terminated);
    return {
      name: str(c.name),
      ready: c.ready === true,
      restarts: int(c.restartCount),
      waiting: waiting === undefined ? undefined : { reason: str(waiting.reason), message: str(waiting.message) },
      terminated: terminated === undefined ? undefined : { reason: str(terminated.reason), message: str(terminated.message), exitCode: int(terminated.exitCode) },
      lastTerminated: lastTerminated === undefined ? undefined : { reason: str(lastTerminated.reason), exitCode: int(lastTerminated.exitCode) },
    };
  });
}
