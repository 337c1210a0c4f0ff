/** Local users (verb `users`): add, list, disable, set a password. A user may change their own password. */
import { PasswordRequestSchema, UserCreateRequestSchema, UserSchema } from '@trueup/api';
import type { Hono } from 'hono';
import { z } from 'zod';
import type { HubDeps } from '../deps.ts';
import { HubErrors } from '../errors.ts';
import type { RouteSpec } from '../route-spec.ts';
import { hashSecret } from '../secrets.ts';
import { parseBody } from '../validate.ts';

export const userSpecs: RouteSpec[] = [
  { method: 'get', path: '/api/v1/users', summary: 'Local users.', role: 'admin', responses: { 200: { description: 'users', schema: z.object({ items: z.array(UserSchema) }) } } },
  { method: 'post', path: '/api/v1/users', summary: 'Add a local user (with a password, or none for a user that only holds tokens, e.g. CI), with groups.', role: 'admin', body: UserCreateRequestSchema, responses: { 201: { description: 'added', schema: UserSchema }, 409: { description: 'exists' } } },
  { method: 'post', path: '/api/v1/users/{name}/disable', summary: 'Disable a user: their sessions end and their tokens are revoked, at once on every replica.', role: 'admin', responses: { 204: { description: 'disabled' }, 404: { description: 'no such active user' } } },
  { method: 'post', path: '/api/v1/users/{name}/password', summary: 'Set a user\'s password (their own, or anyone\'s with the users verb); their sessions end.', role: 'viewer', body: PasswordRequestSchema, responses: { 204: { description: 'set' } } },
];

export function userRoutes(app: Hono, { store, auth, now }: HubDeps): void {
  app.get('/api/v1/users', async (c) => {
    await auth.require(c, 'users');
    return c.json({ items: (await store.users.list()).map((u) => ({ name: u.name, groups: u.groups, disabled: u.disabledAt !== undefined, createdAt: new Date(u.createdAt).toISOString(), createdBy: u.createdBy })) });
  });
  app.post('/api/v1/users', async (c) => {
    const caller = await auth.require(c, 'users');
    const request = await parseBody(UserCreateRequestSchema, c);
    const made = await store.users.create({ name: request.name, passwordHash: request.password === undefined ? undefined : await hashSecret(request.password), groups: request.groups, createdBy: caller.subject, createdAt: now() });
    if (!made) throw HubErrors.create('HUB_CONFLICT', `a user "${request.name}" exists`);
    await store.ledger.append({ environment: '', at: now(), kind: 'user-added', actor: caller.subject, details: { name: request.name, groups: request.groups, password: request.password !== undefined } });
    return c.json({ name: request.name, groups: request.groups, disabled: false, createdAt: new Date(now()).toISOString(), createdBy: caller.subject }, 201);
  });
  app.post('/api/v1/users/:name/disable', async (c) => {
    const caller = await auth.require(c, 'users');
    const name = c.req.param('name');
    if (!(await store.users.disable(name, now()))) throw HubErrors.create('HUB_NOT_FOUND', `no active user "${name}"`);
    await store.ledger.append({ environment: '', at: now(), kind: 'user-disabled', actor: caller.subject, details: { name } });
    return c.body(null, 204);
  });
  app.post('/api/v1/users/:name/password', async (c) => {
    const name = c.req.param('name');
    const caller = await auth.caller(c);
    if (caller === undefined) throw HubErrors.create('HUB_UNAUTHENTICATED');
    if (caller.subject !== `user:${name}`) await auth.require(c, 'users');
    const { password } = await parseBody(PasswordRequestSchema, c);
    if (!(await store.users.setPassword(name, await hashSecret(password)))) throw HubErrors.create('HUB_NOT_FOUND', `no user "${name}"`);
    await store.ledger.append({ environment: '', at: now(), kind: 'user-password-set', actor: caller.subject, details: { name } });
    return c.body(null, 204);
  });
}
