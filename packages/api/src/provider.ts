/**
 * The provider port: how the agent observes and changes one kind of environment. The host
 * provider implements it now, the Kubernetes provider next; both pass `testkit`'s conformance suite.
 */
import type { DesiredObject, LiveObject, Manifest, ObjectKey } from './object.ts';

/** Why an object is being applied. */
export type ApplyReason =
  | 'create' // absent live
  | 'update' // differs from Git
  | 'trigger'; // unchanged, but a resource it names in `onChange` changed: rerun a Command, restart a Service

export interface ApplyRequest {
  desired: DesiredObject;
  live: LiveObject;
  reason: ApplyReason;
}

/** A hint that live state may have drifted: the agent reconciles the object soon. */
export interface DriftSignal {
  key: ObjectKey;
  source: 'watch' | 'process-exit';
  detail: string;
  /** Who made the change, when the environment records it (a Kubernetes field manager). */
  changedBy?: string;
}

export interface DriftWatch {
  /** Replaces the set of watched objects. */
  update(objects: readonly DesiredObject[]): void;
  close(): Promise<void>;
}

export interface Provider {
  /** Reads live state for every key given, in the same order; absent objects have no manifest. */
  observe(keys: readonly ObjectKey[], desired: ReadonlyMap<string, DesiredObject>): Promise<LiveObject[]>;
  /**
   * Called in a sync before anything is applied, with every desired resource: records what the
   * provider needs to find each object again (a host path), before the object is created, so
   * one adopted as it was or created by a pass that dies still gets pruned when Git drops it.
   * With `prune`, an object of `inventory` (the application's, as the pass began) whose recorded
   * location moved (a File's `spec.path`) has its old location removed, under prune's rules.
   */
  prepareSync?(desired: readonly DesiredObject[], options: { prune: boolean; inventory: readonly ObjectKey[] }): Promise<void>;
  /** Makes one object match Git. Throws a TrueupError on failure. */
  apply(request: ApplyRequest): Promise<void>;
  /** Removes one object that Git no longer declares; a no-op when already gone. */
  delete(live: LiveObject): Promise<void>;
  /**
   * Notices drift between passes, as soon as it happens. A provider that sees every change of a
   * watched object also reports, through `onObserved`, changes that are not drift (a controller
   * writing `status`): the agent then updates health at once instead of at its next look.
   */
  watch(onDrift: (signal: DriftSignal) => void, onObserved?: (key: ObjectKey, manifest: Manifest) => void): DriftWatch;
  /** Releases watches and handles; supervised processes keep running. */
  close(): Promise<void>;
  /** Stops every process the provider supervises (a demo's or a test's clean exit). */
  stopAll?(): Promise<void>;
  /**
   * The live objects this one owns, one level (Kubernetes ownerReferences), at most `limit`;
   * absent for providers without ownership (hosts).
   */
  children?(owner: LiveObject, limit: number): Promise<{ manifests: Manifest[]; omitted: number }>;
  /** Reads one object directly (no cache, no watch started): for objects an application owns through others (a ReplicaSet of its Deployment). */
  fetch?(key: ObjectKey): Promise<Manifest | undefined>;
}
