/** What the caller may do, from `GET /api/v1/whoami`; and where an OIDC login starts. Pure. */
export const VERBS = ['get', 'refresh', 'sync', 'sync-prune', 'sync-dry-run', 'pause-self-heal', 'gitops-write', 'approve'] as const;
export type Verb = (typeof VERBS)[number];

export interface Whoami {
  subject: string;
  name: string;
  kind: 'user' | 'token' | 'oidc';
  groups: string[];
  admin: boolean;
  projects: { name: string; role: string; verbs: string[] }[];
  can: Partial<Record<string, boolean>>;
}

/** Where the OIDC provider's login starts, coming back to `path` afterwards. */
export function oidcHref(loginUrl: string, path: string): string {
  return `${loginUrl}${loginUrl.includes('?') ? '&' : '?'}redirect=${encodeURIComponent(path)}`;
}

/**
 * May the caller do `verb` on an application of `project`? The project's own verbs when the
 * caller has a role in it, else the caller's verbs everywhere.
 */
export function can(whoami: Whoami, verb: Verb, project?: string): boolean {
  if (whoami.admin) return true;
  const inProject = project === undefined ? undefined : whoami.projects.find((p) => p.name === project);
  if (inProject !== undefined) return inProject.verbs.includes(verb);
  return whoami.can[verb] === true;
}

