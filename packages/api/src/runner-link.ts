/**
 * The runner ↔ hub link, version 1: frames over one outbound WebSocket from a joined runner.
 * The runner says hello with its labels and capacity; the hub offers a job the moment one is
 * queued that the runner can take; the runner streams the job's events and its result back.
 * Heartbeats every LINK_HEARTBEAT_MS carry the jobs the runner holds (the lease renewal); a
 * side silent for LINK_SILENCE_MS is gone. Jobs travel as plain JSON (pipeline.ts).
 */
import { z } from 'zod';

export const RUNNER_LINK_PROTOCOL_VERSION = 1;
/** Path of the runners' WebSocket endpoint on the hub. */
export const RUNNER_LINK_PATH = '/api/v1/runner-link';
/** Runner credentials: `tur.ID.SECRET`. */
export const RUNNER_CREDENTIAL_PREFIX = 'tur';

const label = z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/);
const jobKey = z.string().min(1).max(200);

export const RunnerLabelsSchema = z.array(label).max(32);

/** What the hub keeps of a job's result. */
export const RunnerJobResultSchema = z.object({
  conclusion: z.enum(['success', 'failure', 'skipped', 'cancelled']),
  outputs: z.record(z.string(), z.string()),
  steps: z.array(z.object({ id: z.string(), outcome: z.string(), conclusion: z.string(), outputs: z.record(z.string(), z.string()) })),
  summary: z.string(),
  durationMs: z.number().min(0),
  logTruncated: z.boolean(),
});
export type RunnerJobResult = z.infer<typeof RunnerJobResultSchema>;

/** One JobEvent (pipeline.ts), checked for its shape's discriminant; the hub stores it as is. */
const JobEventSchema = z.looseObject({ type: z.enum(['job-started', 'step-started', 'log', 'step-finished', 'job-finished']) });

export const RunnerFrameSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('hello'), protocol: z.number().int(), version: z.string().max(64), labels: RunnerLabelsSchema, capacity: z.number().int().min(1).max(64), running: z.array(jobKey).max(64) }),
  /** Lease renewal: the jobs this runner runs now. */
  z.strictObject({ type: z.literal('heartbeat'), at: z.number().int(), running: z.array(jobKey).max(64) }),
  /** The runner took an offered job and started it. */
  z.strictObject({ type: z.literal('accepted'), job: jobKey }),
  /** The runner cannot take an offered job (full, or stopping): the hub offers it elsewhere. */
  z.strictObject({ type: z.literal('declined'), job: jobKey, reason: z.string().max(200) }),
  z.strictObject({ type: z.literal('event'), job: jobKey, event: JobEventSchema }),
  z.strictObject({ type: z.literal('result'), job: jobKey, result: RunnerJobResultSchema }),
]);
export type RunnerFrame = z.infer<typeof RunnerFrameSchema>;

/** Credentials of a private pipeline repository: HTTPS user and password or token, or an SSH key with the host's known keys. */
export const RepoSecretsSchema = z.strictObject({
  username: z.string().min(1).max(256).optional(),
  password: z.string().min(1).max(64 * 1024).optional(),
  sshKey: z.string().min(1).max(64 * 1024).optional(),
  knownHosts: z.string().min(1).max(64 * 1024).optional(),
});
export type RepoSecrets = z.infer<typeof RepoSecretsSchema>;

export const RunnerOfferSchema = z.strictObject({
  job: jobKey,
  /** The JobSpec (pipeline.ts) to run. */
  spec: z.record(z.string(), z.unknown()),
  /** Where `actions/checkout` fetches the code: a Git URL, the run's commit, and the credentials of a private repository. */
  repository: z.strictObject({ url: z.string().min(1).max(2048), sha: z.string().regex(/^[0-9a-f]{40,64}$/), credentials: RepoSecretsSchema.optional() }),
});
export type RunnerOffer = z.infer<typeof RunnerOfferSchema>;

export const HubRunnerFrameSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('welcome'), protocol: z.number().int(), runnerId: z.string(), name: z.string(), heartbeatMs: z.number().int().positive() }),
  z.strictObject({ type: z.literal('offer'), offer: RunnerOfferSchema }),
  /** Stop this job (a cancel, or the hub no longer holds it for this runner). */
  z.strictObject({ type: z.literal('cancel'), job: jobKey, reason: z.string().max(200) }),
  z.strictObject({ type: z.literal('heartbeat'), at: z.number().int() }),
]);
export type HubRunnerFrame = z.infer<typeof HubRunnerFrameSchema>;

export const RunnerTokenRequestSchema = z.strictObject({
  ttl: z.string().regex(/^\d+(s|m|h)$/, { message: 'expected a duration such as 30m or 1h' }).default('1h'),
}).meta({ id: 'RunnerTokenRequest' });
export const RunnerJoinRequestSchema = z.strictObject({ id: z.string().min(1).max(64), secret: z.string().min(1).max(256), name: z.string().min(1).max(128) }).meta({ id: 'RunnerJoinRequest' });
export const RunnerJoinResponseSchema = z.object({ runnerId: z.string(), credential: z.string() }).meta({ id: 'RunnerJoinResponse' });

export const RunDispatchRequestSchema = z.strictObject({
  /** A Git URL the hub and its runners can fetch. */
  repository: z.string().min(1).max(2048),
  /** A branch, tag or commit; default HEAD. */
  ref: z.string().min(1).max(255).default('HEAD'),
  /** The workflow file under .trueup/workflows/ (name or path). */
  workflow: z.string().min(1).max(255),
  inputs: z.record(z.string(), z.string()).default({}),
}).meta({ id: 'RunDispatchRequest' });

export const RepoAddRequestSchema = z.strictObject({
  /** A Git URL the hub and its runners can fetch. */
  url: z.string().min(1).max(2048),
  /** Sealed by the hub at once and never shown again. */
  credentials: RepoSecretsSchema.optional(),
}).meta({ id: 'RepoAddRequest' });

export const PipelineSecretRequestSchema = z.strictObject({
  repository: z.string().min(1).max(2048),
  environment: z.string().max(253).default(''),
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'letters, digits and _, not starting with a digit' }).max(128),
  value: z.string().max(64 * 1024),
});
export const EnvironmentRulesSchema = z.strictObject({
  requiredApprovals: z.number().int().min(0).max(10).default(0),
  allowSelfApproval: z.boolean().default(false),
  waitSeconds: z.number().int().min(0).max(30 * 24 * 3600).default(0),
  allowedRefs: z.array(z.string().min(1).max(255)).max(100).default([]),
});
export const ApproveRequestSchema = z.strictObject({ environment: z.string().min(1).max(253) });

