/**
 * One connection to one cluster, shared by every application that deploys there: the HTTPS
 * client, discovery, and one watch per managed resource (not one per application), so a
 * thousand applications cost a handful of watches.
 */
import { Discovery, type ResourceInfo } from './discovery.ts';
import { KubeErrors } from './errors.ts';
import { KubeClient } from './kube-client.ts';
import { loadClusterCredentials, type ClusterCredentials, type KubeconfigSelection } from './kubeconfig.ts';
import { NamespacesMirror, type Mirror } from './namespaces-mirror.ts';
import { ResourceWatch, type ObjectChange } from './resource-watch.ts';

export type ChangeListener = (change: ObjectChange) => void;

export class ClusterSession {
  readonly id: string;
  readonly client: KubeClient;
  readonly discovery: Discovery;
  readonly #watches = new Map<string, Mirror>();
  /** The namespaces mirrored, when the agent may read only those; undefined: the whole cluster. */
  readonly namespaces: readonly string[] | undefined;
  readonly #listeners = new Set<ChangeListener>();
  #users = 0;
  #closed = false;

  constructor(credentials: ClusterCredentials, options: { namespaces?: readonly string[] | undefined } = {}) {
    this.id = credentials.id;
    this.namespaces = options.namespaces;
    this.client = new KubeClient(credentials);
    this.discovery = new Discovery(this.client);
  }

  /** The mirror of managed objects of this resource, listed once and watched from then on. */
  async mirror(info: ResourceInfo): Promise<Mirror> {
    if (this.#closed) throw KubeErrors.create('KUBE_UNREACHABLE', `the connection to ${this.client.server} is closed`);
    const id = `${info.apiVersion}/${info.resource}`;
    let watch = this.#watches.get(id);
    if (watch === undefined) {
      const onChange = (change: ObjectChange): void => {
        for (const listener of this.#listeners) listener(change);
      };
      watch = this.namespaces === undefined ? new ResourceWatch(this.client, info, onChange) : new NamespacesMirror(this.client, info, this.namespaces, onChange);
      this.#watches.set(id, watch);
      watch.synced.catch(() => this.#watches.delete(id));
    }
    await watch.synced;
    return watch;
  }

  onChange(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Watch resumptions and relists so far, over every resource. */
  get watchRestarts(): number {
    return [...this.#watches.values()].reduce((sum, watch) => sum + watch.restarts, 0);
  }

  acquire(): this {
    this.#users++;
    return this;
  }

  /** Drops one user; the last one closes watches and connections. */
  release(): void {
    if (this.#closed || --this.#users > 0) return;
    this.#closed = true;
    for (const watch of this.#watches.values()) watch.close();
    this.#watches.clear();
    this.client.close();
    if (sessions.get(this.id) === this) sessions.delete(this.id);
  }
}

const sessions = new Map<string, ClusterSession>();

/**
 * The session for a kubeconfig selection, shared with every other user of the same cluster and
 * identity. `namespaces`: the agent may read only these (a namespace-scoped install), so its
 * watches list each of them rather than the cluster.
 */
export function openCluster(selection: KubeconfigSelection, namespaces?: readonly string[]): ClusterSession {
  const credentials = loadClusterCredentials(selection);
  const key = namespaces === undefined ? credentials.id : `${credentials.id}\n${[...namespaces].sort().join(',')}`;
  let session = sessions.get(key);
  if (session === undefined) {
    session = new ClusterSession({ ...credentials, id: key }, { namespaces });
    sessions.set(key, session);
  }
  return session.acquire();
}
