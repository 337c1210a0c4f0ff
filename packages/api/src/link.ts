/**
 * The agent ↔ hub link protocol, version 1: the frames each side sends over one WebSocket.
 * Every frame is one JSON text message validated by these schemas on receipt; the schemas are
 * the protocol's definition. A frame the receiver cannot parse closes the link with a reason.
 *
 * Agent → hub: `hello` (first), then `event` (numbered by the agent, kept until acked),
 * `command-result`, `read-result`, `heartbeat`, and every LINK_RESYNC_MS `resync`. Hub → agent:
 * `welcome` (answers hello), `ack`, `command`, `read`, `heartbeat`, `want` (answers resync), and
 * `source-moved` to an agent whose hello `accepts` it (ADR 30). The hub never sends manifests or
 * credentials: a command names an application the agent already runs and a verb from a closed
 * list, a read names one of its objects, a source-moved names a repository and ref (ADR 14, 19).
 */
import { z } from 'zod';

export const LINK_PROTOCOL_VERSION = 1;
/** Path of the WebSocket endpoint on the hub. */
export const LINK_PATH = '/api/v1/link';
/** Largest frame either side accepts, in bytes. */
export const LINK_MAX_FRAME_BYTES = 4 * 1024 * 1024;
/** Application-level heartbeat period: below the common 60 s idle timers of proxies and meshes. */
export const LINK_HEARTBEAT_MS = 15_000;
/** While linked, the agent offers its digests again this often, so the hub heals any drift from missed events. */
export const LINK_RESYNC_MS = 5 * 60_000;
/** How old an agent's last look at a repository the hub polls may be before an interval pass looks again. */
export const LINK_FALLBACK_GIT_POLL_MS = 5 * 60_000;
/** A side that has heard nothing for this long closes the link and (agent) reconnects. */
export const LINK_SILENCE_MS = 3 * LINK_HEARTBEAT_MS;

const appName = z.string().min(1).max(253);
/** SHA-256 hex of an application's status as the hub stores it. */
const digest = z.string().regex(/^[0-9a-f]{64}$/);

/** What an agent reports; `status` replaces the hub's copy of the application. */
export const LinkEventSchema = z.discriminatedUnion('kind', [
  /**
   * `digest` covers the status and the spec together, so either changing sends both. `spec` is
   * the Application's spec as loaded from Git, credentials given by reference only (ADR 19).
   */
  z.strictObject({ kind: z.literal('status'), application: appName, digest, status: z.record(z.string(), z.unknown()), spec: z.record(z.string(), z.unknown()).optional() }),
  z.strictObject({ kind: z.literal('removed'), application: appName }),
  z.strictObject({ kind: z.literal('sync'), application: appName, revision: z.string(), trigger: z.string(), result: z.string(), changed: z.number().int().min(0), durationMs: z.number().min(0), message: z.string() }),
  z.strictObject({ kind: z.literal('drift'), application: appName, object: z.string(), source: z.string(), fields: z.array(z.string()), changedBy: z.string().optional() }),
  z.strictObject({ kind: z.literal('heal'), application: appName, object: z.string(), durationMs: z.number().min(0) }),
]);
export type LinkEvent = z.infer<typeof LinkEventSchema>;

export const CommandVerbSchema = z.enum(['refresh', 'sync', 'pause', 'resume']);
export type CommandVerb = z.infer<typeof CommandVerbSchema>;

/** An object of an application, by its key id (`apiVersion/kind/namespace/name`, see keyId). */
const objectKeyId = z.string().min(1).max(1024);

/** A request from the hub: a verb on an application the agent runs. No manifests, no secrets. */
export const LinkCommandSchema = z.strictObject({
  id: z.string().min(1).max(64),
  verb: CommandVerbSchema,
  application: appName,
  /** sync: prune what Git no longer declares (default: the application's own policy). */
  prune: z.boolean().optional(),
  /** sync: plan only, change nothing; the result carries the plan. */
  dryRun: z.boolean().optional(),
  /** pause/resume: one object of the application instead of all of it. */
  object: objectKeyId.optional(),
  /** Who asked, as the hub authenticated them: shown in the agent's status of a pause. */
  requestedBy: z.string().max(253).optional(),
});
export type LinkCommand = z.infer<typeof LinkCommandSchema>;

/** Largest number of planned changes a dry run reports; the rest are counted in `planOmitted`. */
export const PLAN_MAX_ENTRIES = 500;

/** One change a sync would make (dry run). */
export const PlannedChangeSchema = z.strictObject({
  object: objectKeyId,
  action: z.enum(['create', 'update', 'delete', 'run', 'restart']),
  /** Fields that differ, for updates. */
  fields: z.array(z.string()).max(100).optional(),
});
export type PlannedChange = z.infer<typeof PlannedChangeSchema>;

export const CommandResultSchema = z.strictObject({
  ok: z.boolean(),
  code: z.string().optional(),
  message: z.string(),
  /** Application sync and health after the command, when it ran a pass. */
  sync: z.string().optional(),
  health: z.string().optional(),
  revision: z.string().optional(),
  /** Dry run: what a sync would change, in apply order, prunes last. */
  plan: z.array(PlannedChangeSchema).max(PLAN_MAX_ENTRIES).optional(),
  /** Dry run: planned changes left out of `plan` to keep the frame bounded. */
  planOmitted: z.number().int().min(0).optional(),
});
export type CommandResult = z.infer<typeof CommandResultSchema>;

/**
 * A read of one object for a person looking at it (the UI): nothing changes at the agent. `object`
 * answers the live and desired manifests with their diff; `children` answers the objects the
 * cluster says this one owns (Kubernetes ownerReferences).
 */
export const LinkReadSchema = z.strictObject({
  id: z.string().min(1).max(64),
  application: appName,
  object: objectKeyId,
  what: z.enum(['object', 'children']),
});
export type LinkRead = z.infer<typeof LinkReadSchema>;

/** Largest number of children a read answers; the rest are counted in `omitted`. */
export const READ_MAX_CHILDREN = 500;

export const ChildObjectSchema = z.strictObject({
  key: objectKeyId,
  kind: z.string(),
  name: z.string(),
  namespace: z.string().optional(),
  health: z.string(),
  /** The key of the object that owns it (the one read). */
  ownerKey: objectKeyId,
});
export type ChildObject = z.infer<typeof ChildObjectSchema>;

export const ReadResultSchema = z.discriminatedUnion('what', [
  z.strictObject({
    what: z.literal('object'),
    key: objectKeyId,
    /** Manifests with secret values redacted; `null` when absent. Trimmed (see `notes`) to keep the frame bounded. */
    live: z.record(z.string(), z.unknown()).nullable(),
    desired: z.record(z.string(), z.unknown()).nullable(),
    /** Unified diff live → desired, empty when in sync. */
    diff: z.string(),
    health: z.strictObject({ status: z.string(), message: z.string().optional() }),
    sync: z.string(),
    notes: z.array(z.string()).max(10).optional(),
  }),
  z.strictObject({ what: z.literal('children'), key: objectKeyId, items: z.array(ChildObjectSchema).max(READ_MAX_CHILDREN), omitted: z.number().int().min(0).optional() }),
  z.strictObject({ what: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type ReadResult = z.infer<typeof ReadResultSchema>;

/** What an agent deploys to: a Linux host root, or a Kubernetes cluster. */
export const AgentKindSchema = z.enum(['host', 'kubernetes']);
export type AgentKind = z.infer<typeof AgentKindSchema>;

/** Hub frames an agent may announce it understands; the hub sends none of them to an agent that did not. */
export const LinkAcceptsSchema = z.enum(['source-moved']);
export type LinkAccepts = z.infer<typeof LinkAcceptsSchema>;

/**
 * A followed Git ref moved (a webhook, the hub's poll, the hub's own commit): the agent refreshes
 * every application that reads `repoURL` at `ref` (its source, a Helm `$values` ref source), at
 * once. `revision`, when known, lets it leave alone an application already there.
 */
export const SourceMovedSchema = z.strictObject({
  repoURL: z.string().min(1).max(2048),
  /** `refs/heads/main`, `refs/tags/v1` or a short name, as pushed. */
  ref: z.string().min(1).max(1024),
  revision: z.string().regex(/^[0-9a-f]{40,64}$/).optional(),
  /** The repository's default branch, when known: applications following `HEAD` follow it. */
  defaultBranch: z.string().max(1024).optional(),
});
export type SourceMoved = z.infer<typeof SourceMovedSchema>;

export const AgentFrameSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('hello'),
    protocol: z.number().int(),
    agentVersion: z.string().max(64),
    /** The kinds of destination the agent's applications deploy to (a host root, a Kubernetes cluster) as it connects. */
    kinds: z.array(AgentKindSchema).max(2).optional(),
    /** Hub frames beyond protocol 1's that the agent understands (absent: none; the hub falls back to commands). */
    accepts: z.array(LinkAcceptsSchema).max(16).optional(),
    /** Digest of every application's status the agent holds now: the resync's starting point. */
    digests: z.record(appName, digest),
  }),
  z.strictObject({ type: z.literal('event'), seq: z.number().int().positive(), at: z.number().int(), event: LinkEventSchema }),
  z.strictObject({ type: z.literal('command-result'), id: z.string().min(1).max(64), result: CommandResultSchema }),
  z.strictObject({ type: z.literal('read-result'), id: z.string().min(1).max(64), result: ReadResultSchema }),
  z.strictObject({ type: z.literal('heartbeat'), at: z.number().int() }),
  /** The periodic resync while linked: the digests again; the hub answers `want`. */
  z.strictObject({ type: z.literal('resync'), digests: z.record(appName, digest) }),
]);
export type AgentFrame = z.infer<typeof AgentFrameSchema>;

export const HubFrameSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('welcome'),
    protocol: z.number().int(),
    environment: z.string(),
    /** Highest event sequence number the hub has stored for this agent. */
    ackedSeq: z.number().int().min(0),
    /** Applications whose status the hub lacks or holds at another digest: send them. */
    want: z.array(appName),
    heartbeatMs: z.number().int().positive(),
    /**
     * Present when the hub polls the Git repositories it can read (anonymous HTTP(S)) this often
     * and tells the agents of a new commit: the agent's own Git checks for those become a slow
     * fallback (LINK_FALLBACK_GIT_POLL_MS).
     */
    gitPollMs: z.number().int().positive().optional(),
  }),
  z.strictObject({ type: z.literal('ack'), seq: z.number().int().min(0) }),
  /** Answer to a periodic `resync`: the applications to send again. */
  z.strictObject({ type: z.literal('want'), want: z.array(appName) }),
  z.strictObject({ type: z.literal('command'), command: LinkCommandSchema }),
  z.strictObject({ type: z.literal('read'), read: LinkReadSchema }),
  z.strictObject({ type: z.literal('heartbeat'), at: z.number().int() }),
  /** Only to an agent whose hello accepts it: refresh what reads this repository and ref. */
  z.strictObject({ type: z.literal('source-moved'), source: SourceMovedSchema }),
]);
export type HubFrame = z.infer<typeof HubFrameSchema>;

/** WebSocket close codes the link uses (4000–4999 are the application's). */
export const LinkCloseCodes = {
  /** A frame that is not JSON or does not match the schema, or arrives out of order. */
  protocolError: 4400,
  /** The credential is unknown or revoked. */
  unauthorized: 4401,
  /** The same agent connected again: the older link is closed. */
  replaced: 4409,
  /** The peer sent nothing (not even a heartbeat) within LINK_SILENCE_MS. */
  silent: 4408,
  /** The peer does not read: what waits to be sent to it passed the bound. */
  slowReader: 4429,
  /** The protocol version is not spoken by this side. */
  unsupportedVersion: 4426,
} as const;

/** Parses one received frame; `undefined` carries the reason the link must close. */
export function parseFrame<S extends z.ZodType>(schema: S, text: string): { ok: true; frame: z.output<S> } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'frame is not JSON' };
  }
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, frame: result.data };
  const issue = result.error.issues[0];
  return { ok: false, reason: `invalid frame at ${issue === undefined ? '(root)' : issue.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`.slice(0, 120) };
}
