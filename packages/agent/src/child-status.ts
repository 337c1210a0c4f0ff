/**
 * Statuses of app of apps: a child Git declares that cannot run shows its own error, and a parent
 * lists its child Applications as resources, each with its sync and health, as Argo CD shows
 * them. A child Application object is Synced when the agent runs it as Git declares it (a refused
 * child too: its error is its own); one that could not be started (its name taken) is OutOfSync,
 * and so is then its parent. The parent's health is its own resources' (Argo CD's too, since 1.8).
 */
import type { ApplicationStatus, Condition, ResourceStatus } from '@trueup/api';
import { mergeConditions, summarize } from '@trueup/engine';
import type { LoadedApplication } from './load-applications.ts';

export type ChildState = 'running' | 'refused' | 'not-started' | 'waiting' | 'note';

export interface DeclaredChild {
  name: string;
  apiVersion: string;
  kind: string;
  file: string;
  line: number;
  state: ChildState;
  /** For a note: what it says. */
  message?: string;
}

export function declaredChild(child: LoadedApplication, state: ChildState): DeclaredChild {
  const declared = child.declared ?? { apiVersion: child.application.apiVersion, file: child.file, line: 1 };
  return { name: child.application.metadata.name, apiVersion: declared.apiVersion, kind: declared.kind ?? 'Application', file: declared.file, line: declared.line, state, ...(child.note === undefined ? {} : { message: child.note }) };
}

function childHealth(child: DeclaredChild, status: ApplicationStatus | undefined): ResourceStatus['health'] {
  switch (child.state) {
    case 'not-started':
      return { status: 'Missing', message: 'not started: another application has that name' };
    case 'refused':
      return { status: 'Degraded', message: status?.error?.message ?? 'cannot run' };
    case 'note':
      return { status: 'Healthy', message: child.message ?? '' };
    case 'waiting':
    case 'running':
      return status?.health ?? { status: 'Progressing', message: 'first pass not finished' };
  }
}

/** `Ready`'s reason while dependsOn holds an application, as Flux names it. */
export const DEPENDENCY_NOT_READY = 'DependencyNotReady';

/**
 * The status of an application whose passes wait for others to be Ready (dependsOn): what it
 * applied stays listed, but it is not Ready, with Flux's reason DependencyNotReady, and its sync
 * is Unknown (the new revision is not compared until it may be applied).
 */
export function waitingStatus(child: LoadedApplication, waitingFor: readonly string[], now: string, current?: ApplicationStatus, previous?: readonly Condition[]): ApplicationStatus {
  const { source } = child.application.spec;
  const base = current ?? summarize({ name: child.application.metadata.name, source: { repoURL: source.repoURL, ref: source.ref, path: source.path }, revision: '', appliedRevision: '', desired: [], live: [], diffs: new Map(), now });
  const message = `dependency ${waitingFor.map((name) => `'${name}'`).join(', ')} ${waitingFor.length === 1 ? 'is' : 'are'} not ready`;
  const conditions = mergeConditions(previous ?? base.conditions, [
    { type: 'Ready', status: 'False', reason: DEPENDENCY_NOT_READY, message },
    { type: 'Reconciling', status: 'True', reason: DEPENDENCY_NOT_READY, message: 'waiting for dependencies' },
    { type: 'Stalled', status: 'False', reason: DEPENDENCY_NOT_READY, message: '' },
  ], now);
  const { error: _error, ...rest } = base;
  return { ...rest, sync: 'Unknown', health: { status: 'Progressing', message: `waiting for ${waitingFor.join(', ')} to be Synced and Healthy (dependsOn)` }, conditions };
}

/** The status of a child that is not run because Git's declaration cannot be honoured. */
export function refusedStatus(child: LoadedApplication, now: string): ApplicationStatus {
  const { application, refused } = child;
  const { source } = application.spec;
  return summarize({
    name: application.metadata.name, source: { repoURL: source.repoURL, ref: source.ref, path: source.path }, revision: '', appliedRevision: '',
    desired: [], live: [], diffs: new Map(), now, ...(refused === undefined ? {} : { error: { ...refused, retryable: false } }),
  });
}

/** The parent's status with its child Applications among its resources. */
export function withChildResources(parent: ApplicationStatus, children: readonly DeclaredChild[], statusOf: (name: string) => ApplicationStatus | undefined): ApplicationStatus {
  if (children.length === 0) return parent;
  const listed: ResourceStatus[] = children.map((child) => {
    const status = statusOf(child.name);
    return { apiVersion: child.apiVersion, kind: child.kind, name: child.name, sync: child.state === 'not-started' ? 'OutOfSync' : 'Synced', health: childHealth(child, status), origin: { file: child.file, line: child.line } };
  });
  const sync = parent.sync === 'Synced' && listed.some((r) => r.sync !== 'Synced') ? 'OutOfSync' : parent.sync;
  return { ...parent, sync, resources: [...parent.resources, ...listed] };
}
