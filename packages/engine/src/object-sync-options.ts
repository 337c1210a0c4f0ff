/**
 * What an object says about its own sync, in annotations: Trueup's, or Argo CD's
 * `argocd.argoproj.io/sync-options` (a comma-separated list such as `Prune=false,Replace=true`).
 */
import type { Manifest } from '@trueup/api';

export const PRUNE_ANNOTATION = 'trueup.dev/prune';
export const ARGO_SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';

/** The object's Argo CD sync options, trimmed: `["Prune=false", "Replace=true"]`. */
export function objectSyncOptions(manifest: Manifest | undefined): string[] {
  const value = manifest?.metadata.annotations?.[ARGO_SYNC_OPTIONS_ANNOTATION] ?? '';
  return value.split(',').map((option) => option.trim()).filter((option) => option !== '');
}

/**
 * Objects that must never be pruned: `trueup.dev/prune: "false"`, or Argo CD's `Prune=false` (a
 * volume claim, a namespace kept when Git drops it). Removed from Git, such an object stays and
 * shows OutOfSync until someone deletes it or Git declares it again.
 */
export function pruneForbidden(manifest: Manifest | undefined): boolean {
  return manifest?.metadata.annotations?.[PRUNE_ANNOTATION] === 'false' || objectSyncOptions(manifest).includes('Prune=false');
}
