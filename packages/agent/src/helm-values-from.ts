/**
 * Flux's `valuesFrom`: a ConfigMap's or Secret's key read from the cluster when rendering, as a
 * values layer: the YAML under `valuesKey`, or that one string at `targetPath`. A missing object
 * or key is an error naming it, unless optional.
 */
import { parseYamlDocuments, type HelmSource } from '@trueup/api';
import { kubeStatusOf, type ClusterSession } from '@trueup/kubernetes';
import { AgentErrors } from './errors.ts';

export async function helmValueLayers(session: ClusterSession, helm: HelmSource, namespace: string | undefined): Promise<Record<string, unknown>[]> {
  const layers: Record<string, unknown>[] = [];
  for (const [index, from] of helm.valuesFrom.entries()) {
    const field = `spec.source.helm.valuesFrom[${index}]`;
    const ns = from.namespace ?? namespace ?? 'default';
    const what = `${from.kind} ${ns}/${from.name}`;
    let data: Record<string, string> | undefined;
    try {
      data = (await session.client.request<{ data?: Record<string, string> }>('GET', `/api/v1/namespaces/${encodeURIComponent(ns)}/${from.kind === 'Secret' ? 'secrets' : 'configmaps'}/${encodeURIComponent(from.name)}`)).data;
    } catch (error) {
      if (kubeStatusOf(error)?.status !== 404) throw error;
      if (from.optional) continue;
      throw AgentErrors.create('AGENT_POST_BUILD_SOURCE_MISSING', `valuesFrom: ${what} does not exist (mark it optional: true if it may be absent)`, { field });
    }
    const raw = data?.[from.valuesKey];
    if (raw === undefined) {
      if (from.optional) continue;
      throw AgentErrors.create('AGENT_POST_BUILD_SOURCE_MISSING', `valuesFrom: ${what} has no key ${from.valuesKey}`, { field });
    }
    const text = from.kind === 'Secret' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    if (from.targetPath !== undefined) {
      layers.push(atPath(from.targetPath.split('.'), text));
      continue;
    }
    // Parsed here so an error names the object, never its content (a Secret's values stay out of messages).
    let value: unknown;
    try {
      value = parseYamlDocuments(text, `${what} key ${from.valuesKey}`)[0]?.value ?? {};
    } catch {
      throw AgentErrors.create('AGENT_POST_BUILD_SOURCE_MISSING', `valuesFrom: ${what} key ${from.valuesKey} is not YAML`, { field });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw AgentErrors.create('AGENT_POST_BUILD_SOURCE_MISSING', `valuesFrom: ${what} key ${from.valuesKey} is not a mapping of values`, { field });
    layers.push(value as Record<string, unknown>);
  }
  return layers;
}

function atPath(path: readonly string[], value: string): Record<string, unknown> {
  const [head = '', ...rest] = path;
  return { [head]: rest.length === 0 ? value : atPath(rest, value) };
}
