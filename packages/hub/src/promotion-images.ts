/**
 * Image automation: each image policy of each promotion asks its registry for the repository's
 * tags on its interval, picks the newest the policy accepts, and hands it on (a new release) when
 * it differs from the one handed on last. A registry that is down or answers garbage changes
 * nothing: the error is kept for the API and logged once per change.
 */
import { parseDuration, type ImagePolicy, type Promotion } from '@trueup/api';
import { newestTag } from './image-tags.ts';
import { listTags, type RegistryAuth } from './oci-tags.ts';

export type { RegistryAuth };

export interface ImagePolicyStatus {
  promotion: string;
  value: string;
  repository: string;
  /** The newest accepted tag at the last successful look. */
  tag?: string;
  checkedAt?: string;
  error?: string;
}

interface Watched {
  promotion: string;
  policy: ImagePolicy;
  timer: NodeJS.Timeout;
  status: ImagePolicyStatus;
  handedOn?: string;
  running?: Promise<void> | undefined;
}

export interface ImageWatchOptions {
  /** Credentials by registry HOST[:PORT]. */
  auth: Record<string, RegistryAuth>;
  now: () => number;
  log: (message: string) => void;
  /** Hands a new newest tag on; a failure is retried at the next look. */
  onTag: (promotion: string, value: string, tag: string) => Promise<void>;
}

export class ImageWatch {
  readonly #options: ImageWatchOptions;
  #watched = new Map<string, Watched>();

  constructor(options: ImageWatchOptions) {
    this.#options = options;
  }

  /** Watches exactly these promotions' policies: new ones start (with a look at once), gone ones stop, unchanged ones go on. */
  watch(promotions: readonly Promotion[]): void {
    const next = new Map<string, Watched>();
    for (const promotion of promotions) {
      for (const policy of promotion.spec.images ?? []) {
        const key = `${promotion.metadata.name}\0${JSON.stringify(policy)}`;
        const existing = this.#watched.get(key);
        if (existing !== undefined) {
          next.set(key, existing);
          continue;
        }
        const watched: Watched = {
          promotion: promotion.metadata.name,
          policy,
          status: { promotion: promotion.metadata.name, value: policy.value, repository: policy.repository },
          timer: setInterval(() => void this.check(watched), parseDuration(policy.interval) ?? 60_000),
        };
        watched.timer.unref();
        next.set(key, watched);
        void this.check(watched);
      }
    }
    for (const [key, watched] of this.#watched) if (!next.has(key)) clearInterval(watched.timer);
    this.#watched = next;
  }

  statuses(): ImagePolicyStatus[] {
    return [...this.#watched.values()].map((w) => w.status);
  }

  /** Looks at every policy now (a registry webhook, a test); resolves when done. */
  async checkAll(): Promise<void> {
    await Promise.all([...this.#watched.values()].map((w) => this.check(w)));
  }

  check(watched: Watched): Promise<void> {
    watched.running ??= this.#look(watched).finally(() => {
      watched.running = undefined;
    });
    return watched.running;
  }

  async #look(watched: Watched): Promise<void> {
    const { policy } = watched;
    const host = policy.repository.slice(0, policy.repository.indexOf('/'));
    try {
      const tags = await listTags(policy.repository, { insecure: policy.insecure, auth: this.#options.auth[host] });
      const tag = newestTag(policy, tags);
      watched.status = { ...watched.status, checkedAt: new Date(this.#options.now()).toISOString(), ...(tag === undefined ? {} : { tag }) };
      delete watched.status.error;
      if (tag !== undefined && tag !== watched.handedOn) {
        await this.#options.onTag(watched.promotion, policy.value, tag);
        watched.handedOn = tag;
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (watched.status.error !== message) this.#options.log(`image policy of ${watched.promotion}: ${message}`);
      watched.status = { ...watched.status, error: message };
    }
  }

  close(): void {
    for (const watched of this.#watched.values()) clearInterval(watched.timer);
    this.#watched.clear();
  }
}
