/**
 * One application's read (`GET …/applications/:name`): its path, its shape and the query the page
 * and the router share, so the read starts with the navigation, while the page's code still loads.
 */
import type { QueryClient } from '@tanstack/react-query';
import { request } from './client.ts';
import type { ApplicationStatus, ApplicationSummary } from './types.ts';

export interface RevisionInfo {
  sha: string;
  message: string;
  author: string;
  authoredAt?: string;
}

/** Self-heal paused: for the whole application (`paused`), or for some objects only (`active`). */
export interface SelfHeal {
  state: 'paused' | 'active';
  pause?: { by: string; at: string };
}

export type Detail = ApplicationSummary & {
  status: ApplicationStatus & { selfHeal?: SelfHeal };
  selfHeal?: SelfHeal;
  spec?: { project?: string; [field: string]: unknown };
  revisionInfo?: RevisionInfo | null;
  /** The hub's version at the read (`x-trueup-version`): where the live stream resumes from. */
  streamFrom?: string;
};

export function applicationPath(environment: string, name: string): string {
  return `/api/v1/environments/${encodeURIComponent(environment)}/applications/${encodeURIComponent(name)}`;
}

/** `probe`: a 401 leaves the session alone (a read made before the session is known). */
export function applicationQuery(environment: string, name: string, probe = false): { queryKey: string[]; queryFn: (context: { signal: AbortSignal }) => Promise<Detail> } {
  return {
    queryKey: ['application', `${environment}/${name}`],
    queryFn: async ({ signal }) => {
      const response = await request(applicationPath(environment, name), { signal }, probe);
      const version = response.headers.get('x-trueup-version');
      const detail = (await response.json()) as Detail;
      return version === null ? detail : { ...detail, streamFrom: version };
    },
  };
}

/** Starts the read on navigation (not awaited: the page shows its own loading and error states, and reads again after an error). */
export function prefetchApplication(client: QueryClient, environment: string, name: string): void {
  void client.prefetchQuery({ ...applicationQuery(environment, name, true), retry: false });
}
