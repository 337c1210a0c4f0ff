/**
 * One object as a person looks at it (the UI through the hub): the live and desired manifests
 * with secret values hidden by the same rule the diffs follow (a Secret's data, a Command's or
 * Service's env), their diff, health and sync; cut to a size the link carries, saying what was cut.
 */
import type { DesiredObject, Health, LiveObject, Manifest, SyncStatus } from '@trueup/api';
import { healthOf } from './health.ts';
import { hasEnvValues, isSecret, redactEnvPair, redactSecretPair } from './kube-normalize.ts';
import { diffObject, patchOf, type DiffOptions } from './object-diff.ts';

export interface ObjectView {
  live: Record<string, unknown> | null;
  desired: Record<string, unknown> | null;
  diff: string;
  health: Health;
  sync: SyncStatus;
  /** What was left out to keep the view bounded. */
  notes?: string[];
}

/** The annotation `kubectl apply` keeps a copy of the whole object in (a Secret's data included). */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export function objectView(desired: DesiredObject | undefined, live: LiveObject, options: DiffOptions = {}): ObjectView {
  const diff = desired === undefined ? { action: 'delete' as const } : diffObject(desired, live, options);
  return {
    live: live.manifest === undefined ? null : redactManifest(live.manifest),
    desired: desired === undefined ? null : redactManifest(desired.manifest),
    diff: diff.action === 'unchanged' ? '' : patchOf(desired, live, options),
    health: healthOf(live),
    sync: diff.action === 'unchanged' ? 'Synced' : 'OutOfSync',
  };
}

/** A manifest safe to show: secret values as their size, no managedFields, no last-applied copy of a Secret. */
export function redactManifest(manifest: Manifest): Record<string, unknown> {
  const key = { apiVersion: String(manifest.apiVersion), kind: String(manifest.kind) };
  const { managedFields: _managedFields, ...metadata } = (manifest.metadata ?? {}) as Record<string, unknown>;
  let shown: Record<string, unknown> = { ...manifest, metadata };
  if (isSecret(key)) {
    shown = redactSecretPair(shown, {})[0] as Record<string, unknown>;
    const annotations = metadata.annotations as Record<string, unknown> | undefined;
    if (annotations?.[LAST_APPLIED] !== undefined) shown = { ...shown, metadata: { ...metadata, annotations: { ...annotations, [LAST_APPLIED]: '<redacted>' } } };
  }
  if (hasEnvValues(key)) shown = redactEnvPair(shown, {})[0] as Record<string, unknown>;
  return shown;
}

const bytesOf = (value: unknown): number => new TextEncoder().encode(JSON.stringify(value)).length;

/**
 * The view cut to at most `maxBytes` of JSON: first the desired manifest goes, then the live one,
 * then the diff is cut; each cut leaves a note.
 */
export function fitObjectView(view: ObjectView, maxBytes: number): ObjectView {
  let fitted = view;
  const notes = [...(view.notes ?? [])];
  const cut = (next: Partial<ObjectView>, note: string): void => {
    notes.push(note);
    fitted = { ...fitted, ...next, notes };
  };
  if (bytesOf(fitted) > maxBytes && fitted.desired !== null) cut({ desired: null }, `desired manifest (${bytesOf(view.desired)} bytes) left out to keep the answer within ${maxBytes} bytes`);
  if (bytesOf(fitted) > maxBytes && fitted.live !== null) cut({ live: null }, `live manifest (${bytesOf(view.live)} bytes) left out to keep the answer within ${maxBytes} bytes`);
  const over = bytesOf(fitted) - maxBytes;
  if (over > 0) {
    const keep = Math.max(0, fitted.diff.length - over - 1024);
    cut({ diff: `${fitted.diff.slice(0, keep)}\n… diff cut at ${keep} characters\n` }, `diff cut to ${keep} of ${view.diff.length} characters`);
  }
  return fitted;
}
