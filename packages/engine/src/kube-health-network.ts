/** Health of objects that wait for an address from outside the cluster: LoadBalancer Services, Ingresses. */
import type { Health } from '@trueup/api';
import { healthy, list, progressing, record, str, type KubeObject } from './kube-health-fields.ts';

export function kubeServiceHealth(obj: KubeObject): Health {
  if (str(obj.spec.type, 'ClusterIP') !== 'LoadBalancer') return healthy();
  const addresses = loadBalancerAddresses(obj);
  if (addresses.length === 0) return progressing('waiting for a load balancer address');
  return healthy(`load balancer at ${addresses.join(', ')}`);
}

export function ingressHealth(obj: KubeObject): Health {
  const addresses = loadBalancerAddresses(obj);
  if (addresses.length === 0) return progressing('waiting for an address from the ingress controller');
  return healthy(`serving at ${addresses.join(', ')}`);
}

/** `status.loadBalancer.ingress[]`: each entry has an `ip`, a `hostname`, or (rarely) neither. */
function loadBalancerAddresses(obj: KubeObject): string[] {
  const entries = list(record(obj.status.loadBalancer).ingress);
  return entries.map((entry) => str(entry.ip) || str(entry.hostname) || '(no address)');
}
