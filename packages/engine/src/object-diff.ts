/** The diff of one object: what a sync would do to it, with a readable patch. */
import { displayKey, type DesiredObject, type LiveObject, type Manifest } from '@trueup/api';
import { stringify } from 'yaml';
import { differingFields, projectOnto, withoutPointers } from './compare.ts';
import { unifiedDiff } from './line-diff.ts';

/** What a sync would do to one object. The readable patch is `patchOf`, computed only when shown. */
export type ObjectDiff =
  | { action: 'create' }
  | { action: 'update'; fields: string[] }
  | { action: 'delete' }
  | { action: 'unchanged' };

export interface DiffOptions {
  /** JSON pointers (`/spec/replicas`) that never count as drift, as Argo CD's ignoreDifferences. */
  ignore?: readonly string[];
}

/** Compares Git's object (undefined when Git no longer declares it) with the live one. */
export function diffObject(desired: DesiredObject | undefined, live: LiveObject, options: DiffOptions = {}): ObjectDiff {
  if (desired === undefined) return live.manifest === undefined ? { action: 'unchanged' } : { action: 'delete' };
  if (live.manifest === undefined) return { action: 'create' };
  const fields = differingFields(withoutPointers(comparable(desired.manifest), options.ignore ?? []), comparable(live.manifest));
  return fields.length === 0 ? { action: 'unchanged' } : { action: 'update', fields };
}

/** The unified diff from live to Git of one object, in YAML; empty when they agree. */
export function patchOf(desired: DesiredObject | undefined, live: LiveObject, options: DiffOptions = {}): string {
  const names = labels(displayKey(live.key));
  if (desired === undefined) return live.manifest === undefined ? '' : unifiedDiff(render(comparable(live.manifest)), '', names);
  const wanted = withoutPointers(comparable(desired.manifest), options.ignore ?? []);
  if (live.manifest === undefined) return unifiedDiff('', render(wanted), names);
  return unifiedDiff(render(projectOnto(comparable(live.manifest), wanted)), render(wanted), names);
}

/**
 * The part of a manifest that Git decides. Host kinds are their spec; for other objects, all
 * but identity, server-written metadata and status.
 */
function comparable(manifest: Manifest): Record<string, unknown> {
  if (manifest.apiVersion.startsWith('host.trueup.dev/')) return { spec: manifest.spec ?? {} };
  const { apiVersion: _apiVersion, kind: _kind, metadata, status: _status, ...rest } = manifest;
  const meta: Record<string, unknown> = {};
  if (metadata.labels !== undefined) meta.labels = metadata.labels;
  if (metadata.annotations !== undefined) meta.annotations = metadata.annotations;
  return Object.keys(meta).length === 0 ? rest : { metadata: meta, ...rest };
}

function render(value: unknown): string {
  return stringify(value, { lineWidth: 0, blockQuote: 'literal', sortMapEntries: true });
}

function labels(name: string): { from: string; to: string } {
  return { from: `live/${name}`, to: `git/${name}` };
}
