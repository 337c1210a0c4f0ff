/** The one vocabulary of sync, health and conditions, spoken by the agent, CLI, hub and UI. */
import type { ObjectKey, Origin } from './object.ts';

export type SyncStatus = 'Synced' | 'OutOfSync' | 'Unknown';
export type HealthStatus = 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';
export type ConditionType = 'Ready' | 'Reconciling' | 'Stalled' | 'Fighting';

export interface Condition {
  type: ConditionType;
  status: 'True' | 'False' | 'Unknown';
  /** PascalCase, stable: scripts may branch on it. */
  reason: string;
  message: string;
  /** ISO 8601. */
  lastTransitionTime: string;
}

export interface Health {
  status: HealthStatus;
  message?: string;
}

export interface ResourceStatus extends ObjectKey {
  sync: SyncStatus;
  health: Health;
  /** Unified diff of live → desired when OutOfSync. */
  diff?: string;
  origin?: Origin;
}

export interface ApplicationStatus {
  name: string;
  /** Full commit SHA of the last fetched revision; empty before the first fetch. */
  revision: string;
  /** Revision last applied successfully. */
  appliedRevision: string;
  /** `chart`: a chart of the Helm repository at `repoURL` (no Git repository), at version `ref`. */
  source: { repoURL: string; ref: string; path: string; chart?: string };
  sync: SyncStatus;
  health: Health;
  conditions: Condition[];
  resources: ResourceStatus[];
  /** ISO 8601 time of the last finished pass. */
  lastPassAt?: string;
  /** The error of the last pass, if it failed. */
  error?: { code: string; message: string; file?: string; line?: number; field?: string };
  /** The commit of `revision` as Git tells it: message (first line and a capped body), author. */
  revisionInfo?: RevisionInfo;
  /** Present while self-heal is paused for the application or for some of its objects. */
  selfHeal?: SelfHealState;
}

export interface RevisionInfo {
  sha: string;
  /** The first line, then the body, capped at REVISION_MESSAGE_MAX chars. */
  message: string;
  /** `Name <email>`. */
  author: string;
  /** ISO 8601. */
  authoredAt: string;
}

export const REVISION_MESSAGE_MAX = 2000;

/** Who paused self-heal and when: drift is still detected and reported, not healed. */
export interface SelfHealPause {
  by: string;
  /** ISO 8601. */
  at: string;
}

export interface SelfHealState {
  /** `paused`: the whole application; `active`: only the objects listed are paused. */
  state: 'paused' | 'active';
  /** The application-wide pause, when `paused`. */
  pause?: SelfHealPause;
  /** Objects paused one by one, by key id. */
  objects: (SelfHealPause & { object: string })[];
}

export type ChangeAction = 'create' | 'update' | 'delete' | 'run' | 'restart';

export interface AppliedChange {
  key: ObjectKey;
  action: ChangeAction;
  /** Set when this object's change failed. */
  error?: string;
}

export type PassTrigger = 'interval' | 'refresh' | 'drift' | 'start' | 'manual';
export type PassResult = 'Succeeded' | 'Failed' | 'NoChange' | 'DetectedOnly';

export interface HistoryEntry {
  id: number;
  application: string;
  revision: string;
  trigger: PassTrigger;
  result: PassResult;
  /** ISO 8601. */
  startedAt: string;
  finishedAt: string;
  changes: AppliedChange[];
  message: string;
}

export interface DriftEvent {
  id: number;
  application: string;
  key: ObjectKey;
  /** What noticed it: inotify, a process exit, a pass. */
  source: 'watch' | 'process-exit' | 'pass';
  /** Fields that differ from Git. */
  fields: string[];
  /** Who changed it, when known (a Kubernetes field manager). */
  changedBy?: string;
  detectedAt: string;
  healedAt?: string;
}

/** An application's error as users read it: `hosts/web.yaml:12: spec.mode: …`. */
export function describeStatusError(error: NonNullable<ApplicationStatus['error']>): string {
  const { file, line, field, message } = error;
  const where = [file === undefined ? undefined : line === undefined ? file : `${file}:${line}`, field].filter((part) => part !== undefined && part !== '').join(': ');
  return where === '' || message.startsWith(where) ? message : `${where}: ${message}`;
}
