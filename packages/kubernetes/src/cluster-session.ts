/**
 * One connection to one cluster, shared by every application that deploys there: the HTTPS
 * client, discovery, and one watch per managed resource (not one per application), so a
 * thousand applications cost a handful of watches.
 */
import { Discovery, type ResourceInfo } from './discovery.ts';
import { KubeErrors } from './errors.ts';
import { KubeClient } from './kube-client.ts';
import { loadClusterCredentials, type ClusterCredentials, type KubeconfigSelection } from './kubeconfig.ts';
import { ResourceWatch, type ObjectChange } from './resource-watch.ts';

export type ChangeListener = (change: ObjectChange) => void;

export class ClusterSession {
  readonly id: string;
  readonly client: KubeClient;
  readonly discovery: Discovery;
  readonly #watches = new Map<string, ResourceWatch>();
  readonly #listeners = new Set<ChangeListener>();
  #users = 0;
  #closed = false;

  constructor(credentials: ClusterCredentials) {
    this.id = credentials.id;
    this.client = new KubeClient(credentials);
    this.discovery = new Discovery(this.client);
  }

  /** The mirror of managed objects of this resource, listed once and watched from then on. */
  async mirror(info: ResourceInfo): Promise<ResourceWatch> {
    if (this.#closed) throw KubeErrors.create('KUBE_UNREACHABLE', `the connection to ${this.client.server} is closed`);
    const id = `${info.apiVersion}/${info.resource}`;
    let watch = this.#watches.get(id);
    if (watch === undefined) {
      watch = new ResourceWatch(this.client, info, (change) => {
        for (const listener of this.#listeners) listener(change);
      });
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

/** The session for a kubeconfig selection, shared with every other user of the same cluster and identity. */
export function openCluster(selection: KubeconfigSelection): ClusterSession {
  const credentials = loadClusterCredentials(selection);
  let session = sessions.get(credentials.id);
  if (session === undefined) {
    session = new ClusterSession(credentials);
    sessions.set(credentials.id, session);
  }
  return session.acquire();
}
