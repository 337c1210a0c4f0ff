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

/** The read begun as the page's script starts (`beginEarlyRead`), taken by the first query for that path. */
let early: { path: string; response: Promise<Response> } | undefined;

/**
 * On an application's URL, starts its read before the rest of the UI's code runs (React, the
 * router): the first paint waits for the network and the scripts side by side, not one after the
 * other. A 401 here leaves the session alone; the page reads again after an error.
 */
export function beginEarlyRead(pathname: string): void {
  const match = /^\/environments\/([^/]+)\/applications\/([^/]+)\/?$/.exec(pathname);
  if (match === null) return;
  const path = applicationPath(decodeURIComponent(match[1] ?? ''), decodeURIComponent(match[2] ?? ''));
  const response = request(path, {}, true);
  response.catch(() => undefined);
  early = { path, response };
}

function takeEarlyRead(path: string): Promise<Response> | undefined {
  if (early?.path !== path) return undefined;
  const { response } = early;
  early = undefined;
  return response;
}

/** `probe`: a 401 leaves the session alone (a read made before the session is known). */
export function applicationQuery(environment: string, name: string, probe = false): { queryKey: string[]; queryFn: (context: { signal: AbortSignal }) => Promise<Detail> } {
  return {
    queryKey: ['application', `${environment}/${name}`],
    queryFn: async ({ signal }) => {
      const path = applicationPath(environment, name);
      const response = await (takeEarlyRead(path) ?? request(path, { signal }, probe));
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
