/**
 * The provider's drift watches: each application's watch is routed the events of the objects it
 * manages (change-routes.ts), and an event is drift only when someone else changed what Git
 * sets. Our own writes are told apart by their resourceVersion; an event that arrives while our
 * write of the object is still in flight waits until that write's version is known.
 */
import { keyId, type DesiredObject, type DriftSignal, type DriftWatch, type Manifest, type ObjectKey } from '@trueup/api';
import { changedBy } from '@trueup/engine';
import type { ClusterSession } from './cluster-session.ts';
import { changeRoutes, type ChangeHandler } from './change-routes.ts';
import { isDrift } from './drift-filter.ts';

/** How many of our own resourceVersions are remembered; the oldest are forgotten first. */
const OWN_VERSIONS_KEPT = 10_000;

export class DriftWatches {
  readonly #session: ClusterSession;
  /** resourceVersions our own writes produced: their watch events are not drift. */
  readonly #ownVersions = new Set<string>();
  /** Objects we are writing now: their watch events wait until our write's resourceVersion is known. */
  readonly #inFlight = new Map<string, Array<() => void>>();
  readonly #stops = new Set<() => void>();

  constructor(session: ClusterSession) {
    this.#session = session;
  }

  /**
   * Runs our write of one object. Its watch event can arrive before the write's answer: events of
   * the object wait until then, when `ownWrite` has noted the resourceVersion that is ours.
   */
  async writing(key: ObjectKey, write: () => Promise<void>): Promise<void> {
    const id = keyId(key);
    this.#inFlight.set(id, this.#inFlight.get(id) ?? []);
    try {
      await write();
    } finally {
      const held = this.#inFlight.get(id) ?? [];
      this.#inFlight.delete(id);
      for (const judge of held) judge();
    }
  }

  /** Notes the resourceVersion one of our writes produced: the watch ignores its event. */
  ownWrite(applied: Manifest): void {
    const version = applied.metadata['resourceVersion'];
    if (typeof version === 'string') this.#ownVersions.add(version);
    if (this.#ownVersions.size > OWN_VERSIONS_KEPT) this.#ownVersions.delete(this.#ownVersions.values().next().value ?? '');
  }

  watch(onDrift: (signal: DriftSignal) => void, onObserved?: (key: ObjectKey, manifest: Manifest) => void): DriftWatch {
    const session = this.#session;
    const judge = (key: ObjectKey, before: Manifest | undefined, after: Manifest | undefined): void => {
      const version = after?.metadata['resourceVersion'];
      if (typeof version === 'string' && this.#ownVersions.has(version)) return; // our write: the pass observes it
      if (!isDrift(before, after)) {
        if (after !== undefined) onObserved?.(key, after);
        return;
      }
      const by = after === undefined ? undefined : changedBy(before, after);
      const detail = after === undefined ? 'deleted' : `changed${by === undefined ? '' : ` by ${by.manager}${by.fields.length === 0 ? '' : `: ${by.fields.slice(0, 5).join(', ')}`}`}`;
      onDrift({ key, source: 'watch', detail, ...(by === undefined ? {} : { changedBy: by.manager }) });
    };
    const routes = changeRoutes(session);
    let watched: string[] = [];
    const handler: ChangeHandler = (key, id, { before, after }) => {
      const held = this.#inFlight.get(id);
      if (held === undefined) judge(key, before, after);
      else held.push(() => judge(key, before, after));
    };
    const stop = (): void => {
      routes.route(handler, watched, []);
      watched = [];
    };
    this.#stops.add(stop);
    return {
      update(objects: readonly DesiredObject[]) {
        const next = objects.map((object) => keyId(object.key));
        routes.route(handler, watched, next);
        watched = next;
        const kinds = new Map(objects.map((object) => [`${object.key.apiVersion}/${object.key.kind}`, object.key]));
        for (const key of kinds.values()) {
          void session.discovery.resolve(key.apiVersion, key.kind).then((info) => (info === undefined ? undefined : session.mirror(info))).catch(() => undefined);
        }
      },
      close: async () => {
        stop();
        this.#stops.delete(stop);
      },
    };
  }

  /** Stops every watch this provider started. */
  stopAll(): void {
    for (const stop of this.#stops) stop();
    this.#stops.clear();
  }
}
