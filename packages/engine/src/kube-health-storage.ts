/** Health of a PersistentVolumeClaim: bound to a volume, waiting for one, or having lost it. */
import type { Health } from '@trueup/api';
import { conditionsOf, degraded, findCondition, healthy, progressing, reasonMessage, record, str, withMessage, type KubeObject } from './kube-health-fields.ts';

export function pvcHealth(obj: KubeObject): Health {
  const phase = str(obj.status.phase);
  switch (phase) {
    case 'Bound': {
      const resizing = findCondition(conditionsOf(obj.status.conditions), 'Resizing');
      if (resizing?.status === 'True') return progressing(reasonMessage('resizing', resizing.message));
      const volume = str(obj.spec.volumeName);
      return healthy(volume === '' ? 'bound' : `bound to ${volume}`);
    }
    case 'Lost':
      return degraded('the bound volume no longer exists');
    case 'Pending':
    case '': {
      // With a WaitForFirstConsumer storage class the claim binds only once a pod uses it.
      const selectedNode = str(record(obj.metadata.annotations)['volume.kubernetes.io/selected-node']);
      return progressing(selectedNode === '' ? 'waiting for a volume' : `waiting for a volume on node ${selectedNode}`);
    }
    default:
      return withMessage('Unknown', `phase ${phase}`);
  }
}
