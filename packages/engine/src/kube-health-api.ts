/** Health of objects that extend or partition the API: CustomResourceDefinition, APIService, Namespace. */
import type { Health } from '@trueup/api';
import { conditionsOf, degraded, findCondition, healthy, progressing, reasonMessage, str, type KubeObject } from './kube-health-fields.ts';

export function crdHealth(obj: KubeObject): Health {
  const conditions = conditionsOf(obj.status.conditions);
  const terminating = findCondition(conditions, 'Terminating');
  if (terminating?.status === 'True') return progressing(reasonMessage('being deleted', terminating.message));
  const names = findCondition(conditions, 'NamesAccepted');
  if (names?.status === 'False') return degraded(reasonMessage('names not accepted', names.message));
  const nonStructural = findCondition(conditions, 'NonStructuralSchema');
  if (nonStructural?.status === 'True') return degraded(reasonMessage('schema is not structural', nonStructural.message));
  const established = findCondition(conditions, 'Established');
  if (established?.status === 'True') return healthy('established');
  return progressing(reasonMessage('waiting to be established', established?.message ?? ''));
}

/** `Available: False` reasons that name a mistake in the objects, not a wait. */
const APISERVICE_FAILURES: ReadonlySet<string> = new Set(['ServicePortError', 'ServiceAccessError']);

/**
 * The aggregator's `Available` condition. Reasons that name a wait (the backing Service or its
 * endpoints not there yet, discovery not answering yet) are Progressing: they are normal while the
 * server behind the APIService starts. Reasons that name a static mistake are Degraded.
 */
export function apiServiceHealth(obj: KubeObject): Health {
  const available = findCondition(conditionsOf(obj.status.conditions), 'Available');
  if (available === undefined) return progressing('waiting for the aggregator to check availability');
  const message = reasonMessage(available.reason, available.message);
  if (available.status === 'True') return healthy(message);
  return APISERVICE_FAILURES.has(available.reason) ? degraded(message) : progressing(message);
}

/** Argo CD has no Namespace check; anything being deleted is Progressing there, as here. */
export function namespaceHealth(obj: KubeObject): Health {
  const phase = str(obj.status.phase, 'Active');
  if (phase !== 'Terminating') return healthy();
  return progressing(terminatingMessage(obj));
}

/** Why a Namespace's deletion has not finished, from the namespace controller's conditions. */
export function terminatingMessage(obj: KubeObject): string {
  const blocking = ['NamespaceDeletionDiscoveryFailure', 'NamespaceDeletionContentFailure', 'NamespaceContentRemaining', 'NamespaceFinalizersRemaining'];
  const conditions = conditionsOf(obj.status.conditions);
  const reason = blocking.map((type) => findCondition(conditions, type)).find((c) => c?.status === 'True');
  return reasonMessage('terminating', reason?.message ?? '');
}
