/**
 * Objects that say they must never be pruned: `trueup.dev/prune: "false"`, or Argo CD's
 * `argocd.argoproj.io/sync-options` annotation holding `Prune=false` (a volume claim, a namespace
 * kept when Git drops it). Removed from Git, such an object stays and shows OutOfSync until
 * someone deletes it or Git declares it again.
 */
import type { Manifest } from '@trueup/api';

export const PRUNE_ANNOTATION = 'trueup.dev/prune';
export const ARGO_SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';

export function pruneForbidden(manifest: Manifest | undefined): boolean {
  const annotations = manifest?.metadata.annotations;
  if (annotations === undefined) return false;
  if (annotations[PRUNE_ANNOTATION] === 'false') return true;
  return (annotations[ARGO_SYNC_OPTIONS_ANNOTATION] ?? '').split(',').some((option) => option.trim() === 'Prune=false');
}
