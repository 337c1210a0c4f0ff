/**
 * The diff of one object: what a sync would do to it, with a readable patch.
 *
 * Two ways to compare. When the provider could say what live would become if Git were applied
 * (`LiveObject.expected`, a Kubernetes server-side dry-run apply), that result is compared with
 * live, both normalized: server defaults, admission changes and fields other managers own are on
 * both sides, and a field Git stopped setting shows as removed. Otherwise (host objects, or no
 * dry-run) the fields Git sets are compared with live.
 */
import { displayKey, type DesiredObject, type IgnoreDifference, type LiveObject, type Manifest } from '@trueup/api';
import { stringify } from 'yaml';
import { changedFields, deepEqual, differingFields, projectOnto } from './compare.ts';
import { applyIgnore, resolveIgnore, type IgnoreSpec } from './ignore-differences.ts';
import { hasEnvValues, isSecret, normalizeKubeObject, redactEnvPair, redactSecretPair } from './kube-normalize.ts';
import { unifiedDiff } from './line-diff.ts';

/** What a sync would do to one object. The readable patch is `patchOf`, computed only when shown. */
export type ObjectDiff =
  | { action: 'create' }
  | { action: 'update'; fields: string[] }
  | { action: 'delete' }
  | { action: 'unchanged' };

export interface DiffOptions {
  /** JSON pointers (`/spec/replicas`) that never count as drift, on every object. */
  ignore?: readonly string[];
  /** The Application's `ignoreDifferences`, matched per object by group, kind, name and namespace. */
  ignoreDifferences?: readonly IgnoreDifference[];
  /** `RespectIgnoreDifferences=true`: what is ignored keeps its live value when applied (respect-ignore.ts). */
  respectIgnoreDifferences?: boolean;
}

/** Compares Git's object (undefined when Git no longer declares it) with the live one. */
export function diffObject(desired: DesiredObject | undefined, live: LiveObject, options: DiffOptions = {}): ObjectDiff {
  if (desired === undefined) return live.manifest === undefined ? { action: 'unchanged' } : { action: 'delete' };
  if (live.manifest === undefined) return { action: 'create' };
  const ignore = ignoreOf(live, options);
  const fields = live.expected === undefined
    ? differingFields(comparable(applyIgnore(desired.manifest, ignore)), comparable(applyIgnore(live.manifest, ignore)))
    : changedFields(...predicted(live.manifest, live.expected, ignore));
  return fields.length === 0 ? { action: 'unchanged' } : { action: 'update', fields };
}

/**
 * The unified diff from live to Git of one object, in YAML; empty when they agree. With a dry-run
 * result it shows live → that result, only the top-level sections that differ. Secret values are
 * never shown.
 */
export function patchOf(desired: DesiredObject | undefined, live: LiveObject, options: DiffOptions = {}): string {
  const names = labels(displayKey(live.key));
  const secret = isSecret(live.key) ? 'secret' : hasEnvValues(live.key) ? 'env' : undefined;
  if (desired === undefined) return live.manifest === undefined ? '' : unifiedDiff(render(redacted(secret, comparable(live.manifest), {})[0]), '', names);
  const ignore = ignoreOf(live, options);
  if (live.manifest === undefined) return unifiedDiff('', render(redacted(secret, {}, comparable(applyIgnore(desired.manifest, ignore)))[1]), names);
  if (live.expected !== undefined) {
    const [from, to] = redacted(secret, ...sectionsThatDiffer(...predicted(live.manifest, live.expected, ignore)));
    return unifiedDiff(render(from), render(to), names);
  }
  const wanted = comparable(applyIgnore(desired.manifest, ignore));
  const [from, to] = redacted(secret, projectOnto(comparable(applyIgnore(live.manifest, ignore)), wanted), wanted);
  return unifiedDiff(render(from), render(to), names);
}

function ignoreOf(live: LiveObject, options: DiffOptions): IgnoreSpec {
  return resolveIgnore(live.key, live.manifest, options.ignore ?? [], options.ignoreDifferences ?? []);
}

/** Live and the dry-run result, both without what is ignored and normalized. */
function predicted(live: Manifest, expected: Manifest, ignore: IgnoreSpec): [Record<string, unknown>, Record<string, unknown>] {
  return [normalizeKubeObject(applyIgnore(live, ignore)), normalizeKubeObject(applyIgnore(expected, ignore))];
}

/** Both sides cut to their top-level sections that differ, so the patch stays on the change. */
function sectionsThatDiffer(before: Record<string, unknown>, after: Record<string, unknown>): [Record<string, unknown>, Record<string, unknown>] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)].filter((key) => !deepEqual(before[key], after[key])));
  const pick = (object: Record<string, unknown>) => Object.fromEntries(Object.entries(object).filter(([key]) => keys.has(key)));
  return [pick(before), pick(after)];
}

/** Values that never reach a patch: a Secret's data, a Command's or Service's env. */
function redacted(secret: 'secret' | 'env' | undefined, before: unknown, after: unknown): [unknown, unknown] {
  switch (secret) {
    case 'secret': return redactSecretPair(before, after);
    case 'env': return redactEnvPair(before, after);
    case undefined: return [before, after];
  }
}

/**
 * The part of a manifest that Git decides. Host kinds are their spec; for other objects, all
 * but identity, server-written metadata and status.
 */
function comparable(manifest: Manifest): Record<string, unknown> {
  if (String(manifest.apiVersion).startsWith('host.trueup.dev/')) return { spec: manifest.spec ?? {} };
  const { apiVersion: _apiVersion, kind: _kind, metadata, status: _status, ...rest } = manifest;
  const meta: Record<string, unknown> = {};
  // An ignore rule may have removed the metadata itself (`/metadata`).
  if (metadata?.labels !== undefined) meta.labels = metadata.labels;
  if (metadata?.annotations !== undefined) meta.annotations = metadata.annotations;
  return Object.keys(meta).length === 0 ? rest : { metadata: meta, ...rest };
}

function render(value: unknown): string {
  return stringify(value, { lineWidth: 0, blockQuote: 'literal', sortMapEntries: true });
}

function labels(name: string): { from: string; to: string } {
  return { from: `live/${name}`, to: `git/${name}` };
}
