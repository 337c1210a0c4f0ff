/**
 * Completes rendered objects for the cluster: namespaced objects that name no namespace get the
 * destination's, cluster-scoped ones lose a stray namespace, and every object gets the ownership
 * labels. A kind the cluster does not serve, and no CRD of the same render defines, is an error
 * naming the file and line: nothing is applied.
 */
import { keyOf, type DesiredObject, type Manifest } from '@trueup/api';
import type { Discovery } from './discovery.ts';
import { KubeErrors } from './errors.ts';
import { APPLICATION_LABEL, MANAGED_BY, MANAGED_BY_LABEL } from './resource-watch.ts';

export interface PrepareContext {
  discovery: Discovery;
  application: string;
  namespace: string;
}

export async function prepareObjects(desired: readonly DesiredObject[], context: PrepareContext): Promise<DesiredObject[]> {
  const definedByRender = scopesFromCrds(desired);
  const prepared: DesiredObject[] = [];
  for (const object of desired) {
    const { apiVersion, kind } = object.manifest;
    const info = await context.discovery.resolve(apiVersion, kind);
    const namespaced = info?.namespaced ?? definedByRender.get(`${apiVersion}/${kind}`);
    if (namespaced === undefined) {
      throw KubeErrors.create('KUBE_KIND_UNKNOWN', `${kind} in ${apiVersion} is not served by the cluster and no CustomResourceDefinition in this application defines it`, { file: object.origin.file, line: object.origin.line, field: 'kind' });
    }
    const metadata = { ...object.manifest.metadata, labels: { ...object.manifest.metadata.labels, [MANAGED_BY_LABEL]: MANAGED_BY, [APPLICATION_LABEL]: context.application } };
    if (namespaced) metadata.namespace ??= context.namespace;
    else delete metadata.namespace;
    const manifest: Manifest = { ...object.manifest, metadata };
    prepared.push({ ...object, key: keyOf(manifest), manifest });
  }
  return prepared;
}

/** `group/version/Kind` → namespaced, for every CustomResourceDefinition in the render. */
function scopesFromCrds(desired: readonly DesiredObject[]): Map<string, boolean> {
  const scopes = new Map<string, boolean>();
  for (const { manifest } of desired) {
    if (manifest.kind !== 'CustomResourceDefinition' || !manifest.apiVersion.startsWith('apiextensions.k8s.io/')) continue;
    const spec = manifest.spec ?? {};
    const names = spec['names'] as { kind?: string } | undefined;
    const versions = Array.isArray(spec['versions']) ? spec['versions'] as Array<{ name?: string }> : [];
    for (const version of versions) {
      if (typeof spec['group'] === 'string' && version.name !== undefined && names?.kind !== undefined) {
        scopes.set(`${spec['group']}/${version.name}/${names.kind}`, spec['scope'] === 'Namespaced');
      }
    }
  }
  return scopes;
}
