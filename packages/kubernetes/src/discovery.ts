/**
 * Which kinds the cluster serves, as which resource and in which scope: aggregated discovery
 * (two requests for the whole cluster), refreshed when a kind is not found (a CRD just created),
 * at most once per second.
 */
import type { KubeClient } from './kube-client.ts';

export interface ResourceInfo {
  /** `apps/v1`, `v1`. */
  apiVersion: string;
  kind: string;
  /** Plural resource name: `deployments`. */
  resource: string;
  namespaced: boolean;
  verbs: readonly string[];
}

const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
const REFRESH_EVERY_MS = 1000;

interface DiscoveryList {
  items?: Array<{
    metadata?: { name?: string };
    versions?: Array<{ version: string; resources?: Array<{ resource: string; scope: string; verbs?: string[]; responseKind?: { kind?: string } }> }>;
  }>;
}

export class Discovery {
  readonly #client: KubeClient;
  #byKind = new Map<string, ResourceInfo>();
  #loaded: Promise<void> | undefined;
  #lastRefresh = 0;

  constructor(client: KubeClient) {
    this.#client = client;
  }

  /** The resource serving `apiVersion`/`kind`, refreshing once when unknown; undefined if the cluster serves none. */
  async resolve(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    await this.#ensureLoaded();
    const known = this.#byKind.get(`${apiVersion}/${kind}`);
    if (known !== undefined || Date.now() - this.#lastRefresh < REFRESH_EVERY_MS) return known;
    await this.refresh();
    return this.#byKind.get(`${apiVersion}/${kind}`);
  }

  /** Every listable namespaced resource: what a namespace can hold. */
  async namespacedResources(): Promise<ResourceInfo[]> {
    await this.#ensureLoaded();
    return [...new Map([...this.#byKind.values()].filter((r) => r.namespaced && r.verbs.includes('list')).map((r) => [`${r.apiVersion}/${r.resource}`, r])).values()];
  }

  refresh(): Promise<void> {
    this.#loaded = undefined;
    return this.#ensureLoaded();
  }

  /** The load in progress or done; a failed one is forgotten, so the next call tries again. */
  #ensureLoaded(): Promise<void> {
    if (this.#loaded === undefined) {
      const loading = this.#load();
      this.#loaded = loading;
      loading.catch(() => {
        if (this.#loaded === loading) this.#loaded = undefined;
      });
    }
    return this.#loaded;
  }

  async #load(): Promise<void> {
    this.#lastRefresh = Date.now();
    const [core, groups] = await Promise.all([
      this.#client.request<DiscoveryList>('GET', '/api', { accept: AGGREGATED }),
      this.#client.request<DiscoveryList>('GET', '/apis', { accept: AGGREGATED }),
    ]);
    const byKind = new Map<string, ResourceInfo>();
    for (const group of [...(core.items ?? []), ...(groups.items ?? [])]) {
      const name = group.metadata?.name ?? '';
      for (const version of group.versions ?? []) {
        const apiVersion = name === '' ? version.version : `${name}/${version.version}`;
        for (const resource of version.resources ?? []) {
          const kind = resource.responseKind?.kind;
          if (kind === undefined || kind === '' || resource.resource.includes('/')) continue;
          byKind.set(`${apiVersion}/${kind}`, { apiVersion, kind, resource: resource.resource, namespaced: resource.scope === 'Namespaced', verbs: resource.verbs ?? [] });
        }
      }
    }
    this.#byKind = byKind;
  }
}

/** The URL path of a collection (`name` undefined) or of one object. */
export function resourcePath(info: ResourceInfo, namespace: string | undefined, name?: string): string {
  const base = info.apiVersion.includes('/') ? `/apis/${info.apiVersion}` : `/api/${info.apiVersion}`;
  const scoped = info.namespaced && namespace !== undefined ? `${base}/namespaces/${encodeURIComponent(namespace)}/${info.resource}` : `${base}/${info.resource}`;
  return name === undefined ? scoped : `${scoped}/${encodeURIComponent(name)}`;
}
