/**
 * Statuses of app of apps: a child Git declares that cannot run shows its own error, and a parent
 * lists its child Applications as resources, each with its sync and health, as Argo CD shows
 * them. A child Application object is Synced when the agent runs it as Git declares it (a refused
 * child too: its error is its own); one that could not be started (its name taken) is OutOfSync,
 * and so is then its parent. The parent's health is its own resources' (Argo CD's too, since 1.8).
 */
import type { ApplicationStatus, ResourceStatus } from '@trueup/api';
import { summarize } from '@trueup/engine';
import type { LoadedApplication } from './load-applications.ts';

export type ChildState = 'running' | 'refused' | 'not-started';

export interface DeclaredChild {
  name: string;
  apiVersion: string;
  file: string;
  line: number;
  state: ChildState;
}

export function declaredChild(child: LoadedApplication, state: ChildState): DeclaredChild {
  const declared = child.declared ?? { apiVersion: child.application.apiVersion, file: child.file, line: 1 };
  return { name: child.application.metadata.name, apiVersion: declared.apiVersion, file: declared.file, line: declared.line, state };
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
    const health: ResourceStatus['health'] = child.state === 'not-started'
      ? { status: 'Missing', message: 'not started: another application has that name' }
      : child.state === 'refused'
        ? { status: 'Degraded', message: status?.error?.message ?? 'cannot run' }
        : status?.health ?? { status: 'Progressing', message: 'first pass not finished' };
    return { apiVersion: child.apiVersion, kind: 'Application', name: child.name, sync: child.state === 'not-started' ? 'OutOfSync' : 'Synced', health, origin: { file: child.file, line: child.line } };
  });
  const sync = parent.sync === 'Synced' && listed.some((r) => r.sync !== 'Synced') ? 'OutOfSync' : parent.sync;
  return { ...parent, sync, resources: [...parent.resources, ...listed] };
}
