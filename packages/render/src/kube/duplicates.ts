/**
 * One object per identity. The identity uses the API group, not the version: `apps/v1` and
 * `apps/v1beta2` Deployments of the same name are the same object on the server. Objects with
 * only `generateName` never clash: each run gets a name of its own.
 */
import { ApiErrors, displayKey, type DesiredObject, type ObjectKey } from '@trueup/api';
import { generateNameOf } from './kube-manifest.ts';

/** `apps` for `apps/v1`, "" for the core group's `v1`. */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

export function identityOf(key: ObjectKey): string {
  return `${apiGroup(key.apiVersion)}/${key.kind}/${key.namespace ?? ''}/${key.name}`;
}

export function checkUniqueObjects(objects: readonly DesiredObject[]): void {
  const seen = new Map<string, DesiredObject>();
  for (const object of objects) {
    if (generateNameOf(object.manifest) !== undefined) continue; // named anew on every sync
    const identity = identityOf(object.key);
    const first = seen.get(identity);
    if (first === undefined) {
      seen.set(identity, object);
      continue;
    }
    const place = (o: DesiredObject): string => `${o.origin.file}:${o.origin.line}`;
    const group = apiGroup(object.key.apiVersion);
    const name = `${displayKey(object.key)}${group === '' ? '' : ` (${group})`}`;
    throw ApiErrors.create('API_DUPLICATE_NAME', `${name} is declared twice: at ${place(first)} and at ${place(object)}`, {
      file: object.origin.file, line: object.origin.line, field: 'metadata.name',
    });
  }
}
