/**
 * Which application's watch wants each object, per cluster session: a watch event goes to the
 * applications that manage the object, not to every application on the cluster (with 1,000
 * applications, asking each of them about every event was the largest cost of the watches).
 */
import { keyId, type ObjectKey } from '@trueup/api';
import type { ClusterSession } from './cluster-session.ts';
import type { ObjectChange } from './resource-watch.ts';

export type ChangeHandler = (key: ObjectKey, id: string, change: ObjectChange) => void;

class ChangeRoutes {
  readonly #byId = new Map<string, Set<ChangeHandler>>();

  constructor(session: ClusterSession) {
    session.onChange((change) => {
      const manifest = change.after ?? change.before;
      if (manifest === undefined) return;
      const { info } = change;
      const key: ObjectKey = { apiVersion: info.apiVersion, kind: info.kind, name: manifest.metadata.name, ...(info.namespaced ? { namespace: manifest.metadata.namespace ?? '' } : {}) };
      const id = keyId(key);
      for (const handler of [...this.#byId.get(id) ?? []]) handler(key, id, change);
    });
  }

  /** Moves `handler` from the objects `before` to the objects `after` (ids). */
  route(handler: ChangeHandler, before: readonly string[], after: readonly string[]): void {
    for (const id of before) {
      const handlers = this.#byId.get(id);
      handlers?.delete(handler);
      if (handlers?.size === 0) this.#byId.delete(id);
    }
    for (const id of after) {
      const handlers = this.#byId.get(id) ?? new Set();
      handlers.add(handler);
      this.#byId.set(id, handlers);
    }
  }
}

const routesBySession = new WeakMap<ClusterSession, ChangeRoutes>();

/** The session's routing table, made on first use. */
export function changeRoutes(session: ClusterSession): ChangeRoutes {
  let routes = routesBySession.get(session);
  if (routes === undefined) {
    routes = new ChangeRoutes(session);
    routesBySession.set(session, routes);
  }
  return routes;
}
