/**
 * The hub's HTTP API: request and response schemas. The hub validates requests with them and
 * generates its OpenAPI document from them; the CLI and the UI read the same types.
 */
import { z } from 'zod';
import { AgentKindSchema, ChildObjectSchema, CommandResultSchema, CommandVerbSchema } from './link.ts';

const name = z.string().min(1).max(253).regex(/^[a-z0-9]([-a-z0-9._]*[a-z0-9])?$/, { message: 'expected lower case letters, digits, "-", "." and "_"' });
const labelKey = z.string().min(1).max(63).regex(/^[A-Za-z0-9]([-A-Za-z0-9._/]*[A-Za-z0-9])?$/);
const labelValue = z.string().max(63);
const iso = z.string().describe('ISO 8601 time');

export const ErrorBodySchema = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }).meta({ id: 'Error' });
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export const SyncStatusSchema = z.enum(['Synced', 'OutOfSync', 'Unknown']);
export const HealthStatusSchema = z.enum(['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown']);

export const ApplicationSummarySchema = z.object({
  environment: z.string(), name: z.string(), revision: z.string(), sync: z.string(), health: z.string(), lastSyncedAt: iso.optional(),
}).meta({ id: 'ApplicationSummary' });

export const ApplicationPageSchema = z.object({
  items: z.array(ApplicationSummarySchema), total: z.number().int(), nextCursor: z.string().nullable(),
}).meta({ id: 'ApplicationPage' });

export const ApplicationCountsSchema = z.object({
  total: z.number().int(),
  sync: z.record(z.string(), z.number().int()),
  health: z.record(z.string(), z.number().int()),
}).meta({ id: 'ApplicationCounts' });
export type ApplicationCounts = z.infer<typeof ApplicationCountsSchema>;

export const RevisionInfoSchema = z.object({
  sha: z.string(), message: z.string().describe('first line, then the body, capped'), author: z.string().describe('Name <email>'), authoredAt: iso,
}).meta({ id: 'RevisionInfo' });

const selfHealPause = { by: z.string(), at: iso };
export const SelfHealStateSchema = z.object({
  state: z.enum(['paused', 'active']).describe('paused: the whole application; active: only the objects listed are paused'),
  pause: z.object(selfHealPause).optional(),
  objects: z.array(z.object({ object: z.string(), ...selfHealPause })),
}).meta({ id: 'SelfHealState' });

export const ApplicationDetailSchema = ApplicationSummarySchema.extend({
  status: z.record(z.string(), z.unknown()).describe('the agent\'s full status of the application, as `trueup status -o json` shows it'),
  spec: z.record(z.string(), z.unknown()).optional().describe('the Application\'s spec as the agent loaded it from Git (credentials by reference only)'),
  revisionInfo: RevisionInfoSchema.optional(),
  selfHeal: SelfHealStateSchema.optional().describe('present while self-heal is paused for the application or some of its objects'),
}).meta({ id: 'ApplicationDetail' });

const labelFilter = z.string().regex(/^[^=]+=.*$/, { message: 'expected key=value' });
export const ApplicationQuerySchema = z.strictObject({
  environment: z.string().max(253).optional(),
  sync: SyncStatusSchema.optional(),
  health: HealthStatusSchema.optional(),
  label: z.union([labelFilter, z.array(labelFilter).max(20)]).optional().describe('environment label key=value; repeat for several'),
  q: z.string().max(253).optional().describe('part of the name, case-insensitive'),
  project: z.string().min(1).max(253).optional().describe('only the applications in this project (its environments, applications and environment labels); an unknown project is a 400'),
  sort: z.enum(['name', 'environment', 'sync', 'health', 'revision', 'lastSyncedAt']).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(2048).optional(),
});
export type ApplicationQueryParams = z.infer<typeof ApplicationQuerySchema>;

export const EnvironmentSchema = z.object({
  name: z.string(),
  labels: z.record(z.string(), z.string()),
  connected: z.boolean(),
  revoked: z.boolean(),
  lastSeenAt: iso.optional(),
  agentVersion: z.string().optional(),
  /** What the agent deploys to (a host root, a Kubernetes cluster), as it said when it last connected; absent before. */
  kinds: z.array(AgentKindSchema).optional(),
  applications: z.number().int(),
  /** Commands waiting for the agent (offline or not yet answered). */
  queuedCommands: z.number().int(),
  /** Times the agent connected again after its first connection, as the hub counted them (absent from older hubs). */
  reconnects: z.number().int().min(0).optional(),
}).meta({ id: 'Environment' });
export const EnvironmentListSchema = z.object({ items: z.array(EnvironmentSchema) }).meta({ id: 'EnvironmentList' });

export const JoinTokenRequestSchema = z.strictObject({
  name,
  labels: z.record(labelKey, labelValue).default({}),
  ttl: z.string().regex(/^\d+(s|m|h)$/, { message: 'expected a duration such as 30m or 1h' }).default('1h'),
}).meta({ id: 'JoinTokenRequest' });
export const JoinTokenResponseSchema = z.object({ token: z.string(), environment: z.string(), expiresAt: iso }).meta({ id: 'JoinTokenResponse' });

export const JoinRequestSchema = z.strictObject({ id: z.string().min(1).max(64), secret: z.string().min(1).max(256) }).meta({ id: 'JoinRequest' });
export const JoinResponseSchema = z.object({ environment: z.string(), credential: z.string() }).meta({ id: 'JoinResponse' });

export const SyncRequestSchema = z.strictObject({ prune: z.boolean().optional(), dryRun: z.boolean().optional() }).meta({ id: 'SyncRequest' });
const waitQuery = { wait: z.enum(['true', 'false']).optional(), timeout: z.coerce.number().int().min(1).max(600).optional().describe('seconds to wait, default 60') };
export const WaitQuerySchema = z.strictObject(waitQuery);
const flag = z.enum(['true', 'false']);
/** `?prune=` and `?dryRun=` may stand in the query instead of the body (the query wins). */
export const SyncQuerySchema = z.strictObject({ ...waitQuery, prune: flag.optional().describe('prune what Git no longer declares; default the application\'s policy'), dryRun: flag.optional().describe('plan only: the result carries the plan') });
export const PauseRequestSchema = z.strictObject({ object: z.string().min(1).max(1024).optional().describe('one object\'s key (apiVersion/kind/namespace/name) instead of the whole application') }).meta({ id: 'PauseRequest' });
export const ResumeRequestSchema = PauseRequestSchema.meta({ id: 'ResumeRequest' });
export const PauseQuerySchema = z.strictObject({ ...waitQuery, object: z.string().min(1).max(1024).optional() });

export const CommandSchema = z.object({
  id: z.string(), environment: z.string(), application: z.string(), verb: CommandVerbSchema,
  prune: z.boolean().optional(), dryRun: z.boolean().optional(), object: z.string().optional(),
  state: z.enum(['queued', 'delivered', 'succeeded', 'failed']),
  requestedBy: z.string(), requestedAt: iso, deliveredAt: iso.optional(), finishedAt: iso.optional(),
  result: CommandResultSchema.optional(),
}).meta({ id: 'Command' });

export const ResourceDetailSchema = z.object({
  key: z.string(),
  live: z.record(z.string(), z.unknown()).nullable().describe('secret values redacted'),
  desired: z.record(z.string(), z.unknown()).nullable().describe('secret values redacted'),
  diff: z.string(),
  health: z.object({ status: z.string(), message: z.string().optional() }),
  sync: z.string(),
  notes: z.array(z.string()).optional().describe('what was trimmed to keep the answer bounded'),
}).meta({ id: 'ResourceDetail' });
export const ResourceChildrenSchema = z.object({ key: z.string(), items: z.array(ChildObjectSchema), omitted: z.number().int().optional() }).meta({ id: 'ResourceChildren' });
export const ReadQuerySchema = z.strictObject({ timeout: z.coerce.number().int().min(1).max(60).optional().describe('seconds to wait for the agent, default 15') });

export const LedgerEntrySchema = z.object({
  id: z.number().int(), environment: z.string(), seq: z.number().int().optional(), at: iso, kind: z.string(),
  application: z.string().optional(), actor: z.string().optional(), details: z.record(z.string(), z.unknown()),
}).meta({ id: 'LedgerEntry' });
export const LedgerPageSchema = z.object({
  items: z.array(LedgerEntrySchema),
  nextCursor: z.string().nullable().describe('the next page in the same order; null at the end'),
  prevCursor: z.string().nullable().describe('the page before this one in the same order; null when nothing is before it'),
}).meta({ id: 'LedgerPage' });
const time = z.string().max(40).refine((v) => !Number.isNaN(Date.parse(v)), { message: 'expected an ISO 8601 time' });
/** Which entries: the same for a page and for the export. */
export const LedgerFilterSchema = z.strictObject({
  environment: z.string().max(253).optional(),
  application: z.string().max(253).optional(),
  kind: z.string().max(64).optional(),
  actor: z.string().max(253).optional().describe('who made it happen: a user, token:NAME, oidc:…'),
  since: time.optional().describe('entries at or after this ISO 8601 time'),
  until: time.optional().describe('entries before this ISO 8601 time'),
  order: z.enum(['asc', 'desc']).default('desc').describe('desc (default): newest first; asc: oldest first'),
});
export const LedgerQuerySchema = LedgerFilterSchema.extend({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(32).optional().describe('a page\'s nextCursor or prevCursor'),
});
export type LedgerFilterParams = z.infer<typeof LedgerFilterSchema>;

/** `hub.json` in the hub's data dir: how scripts and tests find a running hub. */
export interface HubInfo {
  url: string;
  caCertFile: string;
  adminTokenFile: string;
  /** The secret webhooks are signed with (0600). */
  webhookSecretFile?: string;
}

/** A push from anything that is not a known forge, authenticated by the hub's webhook secret as bearer token. */
export const PlainPushSchema = z.strictObject({
  repoURL: z.string().min(1).max(2048),
  ref: z.string().min(1).max(1024).describe('refs/heads/main, refs/tags/v1 or a short name'),
  after: z.string().max(64).optional(),
  commits: z.array(z.object({ message: z.string().max(65_536) })).max(2048).optional().describe('the commits pushed, as forges send them: a push of only Trueup\'s own commits that the hub already announced is not fanned out again'),
}).meta({ id: 'PlainPush' });

export const WebhookResultSchema = z.object({
  source: z.string(),
  /** The applications told to refresh: with the command sent to each, or none when its agent was told by one source-moved frame (ADR 30). */
  refreshed: z.array(z.object({ environment: z.string(), application: z.string(), command: z.string().optional() })),
  ignored: z.string().optional(),
}).meta({ id: 'WebhookResult' });

/** What clients of the API (the CLI, the web UI) read. */
export type ApplicationSummaryBody = z.infer<typeof ApplicationSummarySchema>;
export type ApplicationPageBody = z.infer<typeof ApplicationPageSchema>;
export type EnvironmentBody = z.infer<typeof EnvironmentSchema>;
export type CommandBody = z.infer<typeof CommandSchema>;
export type ApplicationDetailBody = z.infer<typeof ApplicationDetailSchema>;
export type ResourceDetailBody = z.infer<typeof ResourceDetailSchema>;
export type ResourceChildrenBody = z.infer<typeof ResourceChildrenSchema>;
export type LedgerEntryBody = z.infer<typeof LedgerEntrySchema>;
export type LedgerPageBody = z.infer<typeof LedgerPageSchema>;
