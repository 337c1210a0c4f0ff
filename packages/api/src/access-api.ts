/** The hub's access API: login, users, API tokens, projects, roles and grants, and who the caller is. */
import { z } from 'zod';

const userName = z.string().min(1).max(64).regex(/^[a-z0-9]([-a-z0-9._@]*[a-z0-9])?$/, { message: 'expected lower case letters, digits, "-", ".", "_" and "@"' });
const projectName = z.string().min(1).max(63).regex(/^[a-z0-9]([-a-z0-9._]*[a-z0-9])?$/, { message: 'expected lower case letters, digits, "-", "." and "_"' });
/** A name glob: `*` any run of characters, `?` one character. */
const glob = z.string().min(1).max(253).regex(/^[^\u0000-\u001f]+$/, { message: 'a glob has no control characters' });
const group = z.string().min(1).max(256);
const duration = z.string().regex(/^\d+(s|m|h|d)$/, { message: 'expected a duration such as 30m, 12h or 30d' });
const iso = z.string().describe('ISO 8601 time');

export const LoginRequestSchema = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) }).meta({ id: 'LoginRequest' });

export const UserCreateRequestSchema = z.strictObject({
  name: userName,
  password: z.string().min(12, { message: 'a password needs at least 12 characters' }).max(1024).optional(),
  groups: z.array(group).max(500).default([]),
}).meta({ id: 'UserCreateRequest' });
export const PasswordRequestSchema = z.strictObject({ password: z.string().min(12, { message: 'a password needs at least 12 characters' }).max(1024) }).meta({ id: 'PasswordRequest' });
export const UserSchema = z.object({ name: z.string(), groups: z.array(z.string()), disabled: z.boolean(), createdAt: iso, createdBy: z.string() }).meta({ id: 'User' });

export const TokenCreateRequestSchema = z.strictObject({ name: z.string().min(1).max(64), ttl: duration.optional() }).meta({ id: 'TokenCreateRequest' });
export const TokenSchema = z.object({ id: z.string(), name: z.string(), owner: z.string().nullable(), createdAt: iso, expiresAt: iso.nullable() }).meta({ id: 'Token' });
export const TokenCreatedSchema = TokenSchema.extend({ token: z.string().describe('shown once') }).meta({ id: 'TokenCreated' });

export const ProjectRequestSchema = z.strictObject({
  name: projectName,
  environments: z.array(glob).min(1).max(200).default(['*']),
  applications: z.array(glob).min(1).max(200).default(['*']),
  labels: z.record(z.string().min(1).max(63), z.string().max(63)).default({}),
  description: z.string().max(500).default(''),
}).meta({ id: 'ProjectRequest' });
export const ProjectSchema = z.object({
  name: z.string(), environments: z.array(z.string()), applications: z.array(z.string()), labels: z.record(z.string(), z.string()), description: z.string(),
  grants: z.array(z.object({ subjectKind: z.enum(['user', 'group']), subject: z.string(), role: z.string() })),
}).meta({ id: 'Project' });

export const RoleRequestSchema = z.strictObject({ name: projectName, verbs: z.array(z.string().min(1).max(64)).min(1).max(50) }).meta({ id: 'RoleRequest' });
export const GrantRequestSchema = z.strictObject({
  project: z.union([projectName, z.literal('*')]),
  role: z.string().min(1).max(63),
  user: z.string().min(1).max(256).optional(),
  group: group.optional(),
}).refine((g) => (g.user === undefined) !== (g.group === undefined), { message: 'give exactly one of user and group' }).meta({ id: 'GrantRequest' });

export const WhoAmISchema = z.object({
  subject: z.string(),
  name: z.string(),
  kind: z.enum(['user', 'token', 'oidc']),
  groups: z.array(z.string()),
  admin: z.boolean(),
  projects: z.array(z.object({ name: z.string(), role: z.string(), verbs: z.array(z.string()) })),
  can: z.record(z.string(), z.boolean()).describe('each verb: held anywhere'),
}).meta({ id: 'WhoAmI' });
export type WhoAmI = z.infer<typeof WhoAmISchema>;

export const AuthProvidersSchema = z.object({
  password: z.boolean(),
  oidc: z.object({ name: z.string(), loginUrl: z.string() }).nullable(),
}).meta({ id: 'AuthProviders' });
export type AuthProviders = z.infer<typeof AuthProvidersSchema>;

export const CliExchangeRequestSchema = z.strictObject({ code: z.string().min(16).max(256), verifier: z.string().min(43).max(128), name: z.string().min(1).max(64).default('cli') }).meta({ id: 'CliExchangeRequest' });
