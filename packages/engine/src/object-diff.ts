/** The diff of one object: what a sync would do to it, with a readable patch. */
import { displayKey, type DesiredObject, type LiveObject, type Manifest } from '@trueup/api';
import { stringify } from 'yaml';
import { differingFields, projectOnto, withoutPointers } from './compare.ts';
import { unifiedDiff } from './line-diff.ts';

export type ObjectDiff =
  | { action: 'create'; patch: string }
  | { action: 'update'; fields: string[]; patch: string }
  | { action: 'delete'; patch: string }
  | { action: 'unchanged' };

export interface DiffOptions {
  /** JSON pointers (`/spec/replicas`) that never count as drift, as Argo CD's ignoreDifferences. */
  ignore?: readonly string[];
}

/** Compares Git's object (undefined when Git no longer declares it) with the live one. */
export function diffObject(desired: DesiredObject | undefined, live: LiveObject, options: DiffOptions = {}): ObjectDiff {
  const label = displayKey(live.key);
  if (desired === undefined) {
    if (live.manifest === undefined) return { action: 'unchanged' };
    return { action: 'delete', patch: unifiedDiff(render(comparable(live.manifest)), '', labels(label)) };
  }
  const wanted = withoutPointers(comparable(desired.manifest), options.ignore ?? []);
  if (live.manifest === undefined) return { action: 'create', patch: unifiedDiff('', render(wanted), labels(label)) };
  const actual = comparable(live.manifest);
  const fields = differingFields(wanted, actual);
  if (fields.length === 0) return { action: 'unchanged' };
  return { action: 'update', fields, patch: unifiedDiff(render(projectOnto(actual, wanted)), render(wanted), labels(label)) };
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
