/**
 * A list-then-watch mirror of every managed object of one resource (label
 * `app.kubernetes.io/managed-by=trueup`, all namespaces, or one when given). It resumes from the last
 * resourceVersion when the stream ends (an API server restart), and lists again when that version
 * is too old (410 Gone), reporting what changed meanwhile. Observe reads from it, drift comes from it.
 */
import type { Manifest } from '@trueup/api';
import { resourcePath, type ResourceInfo } from './discovery.ts';
import { kubeStatusOf, type KubeClient, type WatchEvent } from './kube-client.ts';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'trueup';
export const APPLICATION_LABEL = 'trueup.dev/application';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export interface ObjectChange {
  info: ResourceInfo;
  before: Manifest | undefined;
  after: Manifest | undefined;
}

/** How a watch stream ended: after events, before any (`quiet`), with 410 Gone, or with another error. */
type WatchOutcome = 'events' | 'quiet' | 'gone' | 'failed';

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5000;

export class ResourceWatch {
  readonly info: ResourceInfo;
  /** Resolves once the first list is in. */
  readonly synced: Promise<void>;
  readonly #client: KubeClient;
  readonly #onChange: (change: ObjectChange) => void;
  readonly #objects = new Map<string, Manifest>();
  #resourceVersion = '';
  #stream: { close(): void } | undefined;
  #closed = false;
  #restarts = 0;
  /** The one namespace mirrored (a namespaced resource); undefined: all of them. */
  readonly #namespace: string | undefined;

  constructor(client: KubeClient, info: ResourceInfo, onChange: (change: ObjectChange) => void, namespace?: string) {
    this.#client = client;
    this.info = info;
    this.#namespace = info.namespaced ? namespace : undefined;
    this.#onChange = onChange;
    this.synced = this.#list(false);
    void this.synced.then(() => this.#run(), () => undefined);
  }

  get(namespace: string | undefined, name: string): Manifest | undefined {
    return this.#objects.get(objectId(namespace, name));
  }

  /**
   * Records a write of ours at once, before its watch event arrives; never over a newer version
   * the watch delivered meanwhile (a controller's status update, such as a CRD's Established,
   * can arrive before the answer to our write), or the mirror would keep the older one.
   */
  remember(manifest: Manifest): void {
    const id = objectId(manifest.metadata.namespace, manifest.metadata.name);
    if (isNewer(this.#objects.get(id)?.metadata.resourceVersion, manifest.metadata.resourceVersion)) return;
    this.#objects.set(id, slim(manifest));
  }

  /** Every mirrored object labelled as `application`'s (`trueup.dev/application`). */
  labelled(application: string): Manifest[] {
    return [...this.#objects.values()].filter((manifest) => manifest.metadata.labels?.[APPLICATION_LABEL] === application);
  }

  forget(namespace: string | undefined, name: string): void {
    this.#objects.delete(objectId(namespace, name));
  }

  /** How often the watch had to be resumed or relisted (for tests and metrics). */
  get restarts(): number {
    return this.#restarts;
  }

  close(): void {
    this.#closed = true;
    this.#stream?.close();
  }

  async #list(report: boolean): Promise<void> {
    const list = await this.#client.request<{ metadata?: { resourceVersion?: string }; items?: Manifest[] }>('GET', resourcePath(this.info, this.#namespace), {
      query: { labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}` },
    });
    const seen = new Set<string>();
    for (const item of list.items ?? []) {
      const manifest = slim({ ...item, apiVersion: this.info.apiVersion, kind: this.info.kind });
      const id = objectId(manifest.metadata.namespace, manifest.metadata.name);
      seen.add(id);
      const before = this.#objects.get(id);
      this.#objects.set(id, manifest);
      if (report && before?.metadata.resourceVersion !== manifest.metadata.resourceVersion) this.#onChange({ info: this.info, before, after: manifest });
    }
    for (const [id, before] of [...this.#objects]) {
      if (seen.has(id)) continue;
      this.#objects.delete(id);
      if (report) this.#onChange({ info: this.info, before, after: undefined });
    }
    this.#resourceVersion = list.metadata?.resourceVersion ?? '';
  }

  async #run(): Promise<void> {
    let delay = RETRY_MIN_MS;
    let relist = false;
    let previous: WatchOutcome = 'events';
    while (!this.#closed) {
      let outcome: WatchOutcome;
      try {
        if (relist) {
          await this.#list(true);
          relist = false;
        }
        outcome = await this.#watchOnce();
      } catch (error) {
        outcome = kubeStatusOf(error)?.status === 410 ? 'gone' : 'failed';
      }
      if (this.#closed) return;
      if (outcome !== 'failed') this.#restarts++;
      if (outcome === 'gone') relist = true;
      if (outcome === 'events') delay = RETRY_MIN_MS;
      // A stream that delivered events ended (a server restart, its timeout): resume at once; a
      // first 410, relist at once. Anything else (refused, an error event, a stream closed before
      // any event, 410 again) waits longer each time: a sick server is not hammered.
      const atOnce = outcome === 'events' || (outcome === 'gone' && previous !== 'gone');
      previous = outcome;
      if (atOnce) continue;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  }

  /** Watches until the stream ends, and says how it went. */
  async #watchOnce(): Promise<WatchOutcome> {
    let outcome: WatchOutcome = 'quiet';
    let closeStream = (): void => undefined;
    const stream = await this.#client.watch(resourcePath(this.info, this.#namespace), {
      labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}`,
      resourceVersion: this.#resourceVersion,
      allowWatchBookmarks: 'true',
      timeoutSeconds: '1800',
    }, (event) => {
      if (event.type === 'ERROR') {
        outcome = event.object['code'] === 410 ? 'gone' : 'failed';
        closeStream();
        return;
      }
      outcome = 'events';
      this.#apply(event);
    });
    closeStream = () => stream.close();
    this.#stream = stream;
    if (this.#closed) stream.close();
    await stream.ended;
    return outcome;
  }

  #apply(event: WatchEvent): void {
    const manifest = event.object as unknown as Manifest;
    const version = manifest.metadata.resourceVersion;
    if (typeof version === 'string') this.#resourceVersion = version;
    if (event.type === 'BOOKMARK') return;
    const id = objectId(manifest.metadata.namespace, manifest.metadata.name);
    const before = this.#objects.get(id);
    if (event.type === 'DELETED') {
      this.#objects.delete(id);
      this.#onChange({ info: this.info, before, after: undefined });
      return;
    }
    const after = slim({ ...manifest, apiVersion: this.info.apiVersion, kind: this.info.kind });
    if (before?.metadata.resourceVersion === after.metadata.resourceVersion) return;
    this.#objects.set(id, after);
    this.#onChange({ info: this.info, before, after });
  }
}

/**
 * Whether resourceVersion `a` is newer than `b`. They are opaque to clients, but etcd's are
 * revisions that grow with every write; anything else never counts as newer.
 */
function isNewer(a: unknown, b: unknown): boolean {
  return typeof a === 'string' && typeof b === 'string' && /^\d+$/.test(a) && /^\d+$/.test(b) && BigInt(a) > BigInt(b);
}

function objectId(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** Drops what nothing here reads and what can be large: kubectl's copy of the whole object. */
function slim(manifest: Manifest): Manifest {
  const annotations = manifest.metadata.annotations;
  if (annotations?.[LAST_APPLIED] === undefined) return manifest;
  const { [LAST_APPLIED]: _dropped, ...rest } = annotations;
  return { ...manifest, metadata: { ...manifest.metadata, annotations: rest } };
}
