/**
 * Who is signed in, and what they may do: `GET /api/v1/whoami` (a cookie session of a hub user
 * or an OIDC login, or an API token). A hub without whoami (404) is one that knows only API
 * tokens: the token's holder then sees the actions every hub has, and the hub still refuses what
 * the role may not do.
 */
import { createContext, useContext } from 'react';
import { ApiError, getToken, request } from './client.ts';
import type { Whoami } from './permissions.ts';

export { can, oidcHref, VERBS, type Verb, type Whoami } from './permissions.ts';

export interface Providers {
  password: boolean;
  oidc: { name: string; loginUrl: string } | null;
}

export type Session = { signedIn: false } | { signedIn: true; whoami: Whoami; /** the hub has no whoami: an API token, its role unknown here */ tokenOnly: boolean };

/** What a token holder sees on a hub without whoami: the actions that hub has. */
const TOKEN_ONLY: Whoami = {
  subject: 'token', name: 'API token', kind: 'token', groups: [], admin: false, projects: [],
  can: { get: true, refresh: true, sync: true, 'sync-prune': true, 'sync-dry-run': true, 'pause-self-heal': false },
};

/** While the hub has not said yet: a token holder sees the pages at once, with no action until it has. */
export const PENDING: Whoami = { subject: '', name: '', kind: 'token', groups: [], admin: false, projects: [], can: {} };

export async function readSession(): Promise<Session> {
  try {
    const response = await request('/api/v1/whoami', {}, true);
    return { signedIn: true, whoami: (await response.json()) as Whoami, tokenOnly: false };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 401) return { signedIn: false };
    if (error.status === 404) return getToken() === undefined ? { signedIn: false } : { signedIn: true, whoami: TOKEN_ONLY, tokenOnly: true };
    throw error;
  }
}

export async function readProviders(): Promise<Providers> {
  try {
    const response = await request('/api/v1/auth/providers', {}, true);
    return (await response.json()) as Providers;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return { password: false, oidc: null };
    throw error;
  }
}

export const SessionContext = createContext<Whoami>(TOKEN_ONLY);

export function useWhoami(): Whoami {
  return useContext(SessionContext);
}
