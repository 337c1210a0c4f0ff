/**
 * The access policy over the API (verb `projects`): projects (environments and applications by
 * name globs and environment labels), custom roles (a list of verbs), and grants of a role in a
 * project to a user or a group. Every change is in the ledger and holds at once on every replica.
 */
import { GrantRequestSchema, ProjectRequestSchema, ProjectSchema, RoleRequestSchema } from '@trueup/api';
import { GLOBAL_PROJECT } from '@trueup/store';
import type { Hono } from 'hono';
import { z } from 'zod';
import type { HubDeps } from '../deps.ts';
import { HubErrors } from '../errors.ts';
import { BUILTIN_ROLES, isBuiltinRole, isVerb, VERBS } from '../permissions.ts';
import type { RouteSpec } from '../route-spec.ts';
import { parseBody } from '../validate.ts';

export const projectSpecs: RouteSpec[] = [
  { method: 'get', path: '/api/v1/projects', summary: 'Projects with their grants.', role: 'admin', responses: { 200: { description: 'projects', schema: z.object({ items: z.array(ProjectSchema) }) } } },
  { method: 'post', path: '/api/v1/projects', summary: 'Create a project: environments and applications by name globs (`*`, `?`) and environment labels.', role: 'admin', body: ProjectRequestSchema, responses: { 201: { description: 'created', schema: ProjectSchema }, 409: { description: 'exists' } } },
  { method: 'get', path: '/api/v1/projects/{name}', summary: 'One project with its grants.', role: 'admin', responses: { 200: { description: 'the project', schema: ProjectSchema }, 404: { description: 'unknown' } } },
  { method: 'post', path: '/api/v1/projects/{name}/delete', summary: 'Delete a project and its grants (not `*`).', role: 'admin', responses: { 204: { description: 'deleted' }, 404: { description: 'unknown' } } },
  { method: 'get', path: '/api/v1/roles', summary: 'Roles: the built-in viewer, operator and admin, and custom ones, with their verbs; and every verb.', role: 'admin', responses: { 200: { description: 'roles' } } },
  { method: 'post', path: '/api/v1/roles', summary: 'Create or change a custom role: a name for a list of verbs.', role: 'admin', body: RoleRequestSchema, responses: { 200: { description: 'the role' } } },
  { method: 'post', path: '/api/v1/grants', summary: 'Grant a role in a project (`*`: everywhere) to a user or a group.', role: 'admin', body: GrantRequestSchema, responses: { 201: { description: 'granted' }, 409: { description: 'granted already' } } },
  { method: 'post', path: '/api/v1/grants/revoke', summary: 'Take a grant back.', role: 'admin', body: GrantRequestSchema, responses: { 204: { description: 'revoked' }, 404: { description: 'no such grant' } } },
];

export function projectRoutes(app: Hono, { store, auth, now }: HubDeps): void {
  const show = async (name: string): Promise<z.infer<typeof ProjectSchema> | undefined> => {
    const project = await store.policy.project(name);
    if (project === undefined) return undefined;
    const grants = (await store.policy.grants(name)).map((g) => ({ subjectKind: g.subjectKind, subject: g.subject, role: g.role }));
    return { name: project.name, environments: project.environments, applications: project.applications, labels: project.labels, description: project.description, grants };
  };
  app.get('/api/v1/projects', async (c) => {
    await auth.require(c, 'projects');
    const grants = await store.policy.grants();
    return c.json({ items: (await store.policy.projects()).map((p) => ({
      name: p.name, environments: p.environments, applications: p.applications, labels: p.labels, description: p.description,
      grants: grants.filter((g) => g.project === p.name).map((g) => ({ subjectKind: g.subjectKind, subject: g.subject, role: g.role })),
    })) });
  });
  app.post('/api/v1/projects', async (c) => {
    const caller = await auth.require(c, 'projects');
    const request = await parseBody(ProjectRequestSchema, c);
    if (!(await store.policy.createProject({ ...request, createdBy: caller.subject, createdAt: now() }))) throw HubErrors.create('HUB_CONFLICT', `a project "${request.name}" exists`);
    await store.ledger.append({ environment: '', at: now(), kind: 'project-created', actor: caller.subject, details: { ...request } });
    return c.json(await show(request.name), 201);
  });
  app.get('/api/v1/projects/:name', async (c) => {
    await auth.require(c, 'projects');
    const found = await show(c.req.param('name'));
    if (found === undefined) throw HubErrors.create('HUB_NOT_FOUND', `no project "${c.req.param('name')}"`);
    return c.json(found);
  });
  app.post('/api/v1/projects/:name/delete', async (c) => {
    const caller = await auth.require(c, 'projects');
    const name = c.req.param('name');
    if (name === GLOBAL_PROJECT) throw HubErrors.create('HUB_REQUEST_INVALID', 'project "*" (everything) cannot be deleted; revoke its grants instead', { field: 'name' });
    if (!(await store.policy.deleteProject(name))) throw HubErrors.create('HUB_NOT_FOUND', `no project "${name}"`);
    await store.ledger.append({ environment: '', at: now(), kind: 'project-deleted', actor: caller.subject, details: { name } });
    return c.body(null, 204);
  });
  app.get('/api/v1/roles', async (c) => {
    await auth.require(c, 'projects');
    const custom = await store.policy.roles();
    return c.json({ verbs: VERBS, items: [...Object.entries(BUILTIN_ROLES).map(([name, verbs]) => ({ name, verbs, builtin: true })), ...custom.map((r) => ({ name: r.name, verbs: r.verbs, builtin: false }))] });
  });
  app.post('/api/v1/roles', async (c) => {
    const caller = await auth.require(c, 'projects');
    const request = await parseBody(RoleRequestSchema, c);
    if (isBuiltinRole(request.name)) throw HubErrors.create('HUB_REQUEST_INVALID', `"${request.name}" is a built-in role`, { field: 'body.name' });
    const unknown = request.verbs.find((v) => !isVerb(v));
    if (unknown !== undefined) throw HubErrors.create('HUB_REQUEST_INVALID', `body.verbs: unknown verb "${unknown}"; the verbs are ${VERBS.join(', ')}`, { field: 'body.verbs' });
    await store.policy.putRole({ name: request.name, verbs: [...new Set(request.verbs)], createdBy: caller.subject, createdAt: now() });
    await store.ledger.append({ environment: '', at: now(), kind: 'role-set', actor: caller.subject, details: { name: request.name, verbs: request.verbs } });
    return c.json({ name: request.name, verbs: request.verbs, builtin: false });
  });
  app.post('/api/v1/grants', async (c) => {
    const caller = await auth.require(c, 'projects');
    const request = await parseBody(GrantRequestSchema, c);
    if (!isBuiltinRole(request.role) && !(await store.policy.roles()).some((r) => r.name === request.role)) throw HubErrors.create('HUB_REQUEST_INVALID', `no role "${request.role}": viewer, operator, admin or a custom role`, { field: 'body.role' });
    if ((await store.policy.project(request.project)) === undefined) throw HubErrors.create('HUB_NOT_FOUND', `no project "${request.project}"`);
    const subjectKind = request.user === undefined ? 'group' : 'user';
    const subject = request.user ?? request.group ?? '';
    if (!(await store.policy.grant({ project: request.project, subjectKind, subject, role: request.role, createdBy: caller.subject, createdAt: now() }))) throw HubErrors.create('HUB_CONFLICT', `${subjectKind} "${subject}" holds role ${request.role} in project "${request.project}" already`);
    await store.ledger.append({ environment: '', at: now(), kind: 'role-granted', actor: caller.subject, details: { project: request.project, role: request.role, [subjectKind]: subject } });
    return c.json({ project: request.project, role: request.role, subjectKind, subject }, 201);
  });
  app.post('/api/v1/grants/revoke', async (c) => {
    const caller = await auth.require(c, 'projects');
    const request = await parseBody(GrantRequestSchema, c);
    const subjectKind = request.user === undefined ? 'group' : 'user';
    const subject = request.user ?? request.group ?? '';
    if (!(await store.policy.revoke(request.project, subjectKind, subject, request.role))) throw HubErrors.create('HUB_NOT_FOUND', `${subjectKind} "${subject}" holds no role ${request.role} in project "${request.project}"`);
    await store.ledger.append({ environment: '', at: now(), kind: 'role-revoked', actor: caller.subject, details: { project: request.project, role: request.role, [subjectKind]: subject } });
    return c.body(null, 204);
  });
}
