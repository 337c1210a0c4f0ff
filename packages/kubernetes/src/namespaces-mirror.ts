/**
 * The mirror of one resource for an agent allowed to read only some namespaces (installed with
 * `--scope namespace`): one list-then-watch per namespace instead of one across the cluster, which
 * its RBAC would refuse. A cluster-scoped resource is not mirrored at all: such objects are read
 * one by one, where the agent's RBAC allows it.
 */
import type { Manifest } from '@trueup/api';
import type { ResourceInfo } from './discovery.ts';
import type { KubeClient } from './kube-client.ts';
import { ResourceWatch, type ObjectChange } from './resource-watch.ts';

/** What the provider reads and writes of a mirror, whether it spans the cluster or some namespaces. */
export interface Mirror {
  readonly info: ResourceInfo;
  readonly synced: Promise<void>;
  readonly restarts: number;
  get(namespace: string | undefined, name: string): Manifest | undefined;
  remember(manifest: Manifest): void;
  labelled(application: string): Manifest[];
  forget(namespace: string | undefined, name: string): void;
  close(): void;
}

export class NamespacesMirror implements Mirror {
  readonly info: ResourceInfo;
  readonly synced: Promise<void>;
  readonly #watches: Map<string, ResourceWatch>;

  constructor(client: KubeClient, info: ResourceInfo, namespaces: readonly string[], onChange: (change: ObjectChange) => void) {
    this.info = info;
    this.#watches = new Map(info.namespaced ? namespaces.map((namespace) => [namespace, new ResourceWatch(client, info, onChange, namespace)]) : []);
    this.synced = Promise.all([...this.#watches.values()].map((watch) => watch.synced)).then(() => undefined);
  }

  get restarts(): number {
    return [...this.#watches.values()].reduce((sum, watch) => sum + watch.restarts, 0);
  }

  get(namespace: string | undefined, name: string): Manifest | undefined {
    return namespace === undefined ? undefined : this.#watches.get(namespace)?.get(namespace, name);
  }

  remember(manifest: Manifest): void {
    const { namespace } = manifest.metadata;
    if (namespace !== undefined) this.#watches.get(namespace)?.remember(manifest);
  }

  labelled(application: string): Manifest[] {
    return [...this.#watches.values()].flatMap((watch) => watch.labelled(application));
  }

  forget(namespace: string | undefined, name: string): void {
    if (namespace !== undefined) this.#watches.get(namespace)?.forget(namespace, name);
  }

  close(): void {
    for (const watch of this.#watches.values()) watch.close();
  }
}
