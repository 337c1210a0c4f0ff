/**
 * The variables of Flux's post-build substitution: those of `substituteFrom` (ConfigMaps and
 * Secrets read from the cluster, in order, a later one winning), then `substitute`, which wins
 * over them all, as in Flux. A missing ConfigMap or Secret is an error naming it, unless optional.
 */
import type { PostBuild } from '@trueup/api';
import { kubeStatusOf, type ClusterSession } from '@trueup/kubernetes';
import { AgentErrors } from './errors.ts';

export async function postBuildVariables(session: ClusterSession, postBuild: PostBuild, namespace: string | undefined): Promise<Record<string, string>> {
  const variables: Record<string, string> = {};
  for (const [index, from] of postBuild.substituteFrom.entries()) {
    const ns = from.namespace ?? namespace ?? 'default';
    const path = `/api/v1/namespaces/${encodeURIComponent(ns)}/${from.kind === 'Secret' ? 'secrets' : 'configmaps'}/${encodeURIComponent(from.name)}`;
    let object: { data?: Record<string, string> };
    try {
      object = await session.client.request<{ data?: Record<string, string> }>('GET', path);
    } catch (error) {
      if (kubeStatusOf(error)?.status === 404 && from.optional) continue;
      if (kubeStatusOf(error)?.status === 404) {
        throw AgentErrors.create('AGENT_POST_BUILD_SOURCE_MISSING', `postBuild.substituteFrom[${index}]: ${from.kind} ${ns}/${from.name} does not exist (mark it optional: true if it may be absent)`, { field: `spec.postBuild.substituteFrom[${index}]` });
      }
      throw error;
    }
    for (const [key, value] of Object.entries(object.data ?? {})) {
      variables[key] = from.kind === 'Secret' ? Buffer.from(value, 'base64').toString('utf8') : value;
    }
  }
  return { ...variables, ...postBuild.substitute };
}
