/**
 * The access policy as pure functions: verbs, the built-in roles, and a subject's permissions
 * computed once from its grants (then cached by the hub until the access version moves), so a
 * decision costs a set lookup and a list's filter is one SQL clause, whatever the number of
 * groups. Verbs are of three reaches: an application's (checked against the project's
 * environments, applications and labels), an environment's (approving a deploy to it), and the
 * hub's (pipelines and administration), which only a grant in project `*` gives.
 */
import { GLOBAL_PROJECT, scopeCovers, type Scope, type Visibility } from '@trueup/store';

export const APPLICATION_VERBS = ['get', 'refresh', 'sync', 'sync-prune', 'sync-dry-run', 'pause-self-heal', 'gitops-write'] as const;
export const ENVIRONMENT_VERBS = ['approve'] as const;
export const HUB_VERBS = ['run', 'users', 'tokens', 'agents', 'projects', 'secrets', 'pipelines'] as const;
export const VERBS = [...APPLICATION_VERBS, ...ENVIRONMENT_VERBS, ...HUB_VERBS] as const;
export type Verb = (typeof VERBS)[number];

export type Role = 'viewer' | 'operator' | 'admin';
export const BUILTIN_ROLES: Record<Role, readonly Verb[]> = {
  viewer: ['get'],
  operator: ['get', 'refresh', 'sync', 'sync-prune', 'sync-dry-run', 'pause-self-heal', 'gitops-write', 'approve', 'run'],
  admin: VERBS,
};

export function isVerb(value: string): value is Verb {
  return (VERBS as readonly string[]).includes(value);
}

export function isBuiltinRole(value: string): value is Role {
  return Object.hasOwn(BUILTIN_ROLES, value);
}

/** What a check is about: an application, an environment, or (undefined) the hub itself. */
export interface Target {
  environment: string;
  application?: string | undefined;
  /** The environment's labels (needed only for a caller without the verb everywhere). */
  labels?: Readonly<Record<string, string>>;
}

export interface ProjectGrant {
  project: string;
  role: string;
  verbs: readonly Verb[];
  scope: Scope;
}

export class Permissions {
  readonly grants: readonly ProjectGrant[];
  /** Verbs held everywhere (from project `*`). */
  readonly everywhere: ReadonlySet<Verb>;

  constructor(grants: readonly ProjectGrant[]) {
    this.grants = grants;
    this.everywhere = new Set(grants.filter((g) => g.project === GLOBAL_PROJECT).flatMap((g) => g.verbs));
  }

  /** Holds every admin verb everywhere. */
  get admin(): boolean {
    return HUB_VERBS.every((v) => this.everywhere.has(v));
  }

  can(verb: Verb, target?: Target): boolean {
    if (this.everywhere.has(verb)) return true;
    if (target === undefined || (HUB_VERBS as readonly string[]).includes(verb)) return false;
    const application = (APPLICATION_VERBS as readonly string[]).includes(verb) ? target.application : undefined;
    return this.grants.some((g) => g.verbs.includes(verb) && scopeCovers(g.scope, target.environment, target.labels ?? {}, application));
  }

  /** Whether the verb is held anywhere at all (to show a button before a target is chosen). */
  anywhere(verb: Verb): boolean {
    return this.everywhere.has(verb) || (!(HUB_VERBS as readonly string[]).includes(verb) && this.grants.some((g) => g.verbs.includes(verb)));
  }

  /** Where the verb holds, for a list's SQL filter. */
  visibility(verb: Verb = 'get'): Visibility {
    if (this.everywhere.has(verb)) return 'all';
    return this.grants.filter((g) => g.verbs.includes(verb)).map((g) => g.scope);
  }
}

/** A role's verbs: a built-in one, or a custom one from the policy; unknown roles give none. */
export function roleVerbs(role: string, custom: ReadonlyMap<string, readonly string[]>): Verb[] {
  if (isBuiltinRole(role)) return [...BUILTIN_ROLES[role]];
  return (custom.get(role) ?? []).filter(isVerb);
}
