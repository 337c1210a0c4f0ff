/**
 * The hub's release and promotion API: requests (validated at the edge) and the views it answers
 * with. A release is an immutable set of values (image tags, chart versions…) of one promotion;
 * each stage it reached has a record (state, revision, who, when) and gates.
 */
import { z } from 'zod';

const name = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'expected lower case letters, digits and "-"' }).max(63);

export const ReleaseCreateSchema = z.strictObject({
  promotion: name,
  /** Every value the promotion declares, by name; values not given are carried over from its newest release. */
  values: z.record(name, z.string().min(1).max(1024)),
  /** What made it (a pipeline run, an image tag); default `api`. */
  origin: z.string().min(1).max(512).optional(),
});
export type ReleaseCreate = z.infer<typeof ReleaseCreateSchema>;

export const PromoteRequestSchema = z.strictObject({
  /** A stage name, or the environment of a stage's application. */
  to: z.string().min(1).max(253),
});

export const ReleaseApproveSchema = z.strictObject({
  /** A stage name, or the environment of a stage's application. */
  stage: z.string().min(1).max(253),
});

export const HoldRequestSchema = z.strictObject({
  /** A stage name, or the environment of a stage's application. */
  stage: z.string().min(1).max(253),
  reason: z.string().min(1).max(1024).default('held by hand'),
});

export const UnholdRequestSchema = z.strictObject({ stage: z.string().min(1).max(253) });

export const PromotionSourceSchema = z.strictObject({
  repoURL: z.string().min(1).max(2048),
  ref: z.string().min(1).max(255).default('main'),
});

export const ReleaseListQuerySchema = z.strictObject({
  promotion: z.string().max(63).optional(),
  /** Releases that reached this environment, newest first: its deployment history. */
  environment: z.string().max(253).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export type StageState = 'promoting' | 'verifying' | 'healthy' | 'failed';

export interface GateView {
  gate: 'previous' | 'soak' | 'approvals' | 'window' | 'hold';
  passed: boolean;
  reason: string;
  /** Approvals given, by whom. */
  approvedBy?: string[];
  /** When a time gate opens, ISO 8601. */
  opensAt?: string;
}

export interface ReleaseStageView {
  stage: string;
  application: string;
  /** Absent: the release has not reached this stage. */
  state?: StageState;
  manual?: boolean;
  requestedBy?: string;
  revision?: string;
  message?: string;
  startedAt?: string;
  committedAt?: string;
  healthyAt?: string;
  finishedAt?: string;
  /** The release this stage runs now (the newest one started there). */
  current: boolean;
  gates: GateView[];
  held?: { by: string; reason: string; at: string };
  /** What the stage's agent reports now (release show only): the revision it applied, sync, health, and whether that is this release's commit. */
  reported?: { revision: string; sync: string; health: string; lastSyncedAt?: string; runsThisRelease: boolean };
}

export interface ReleaseView {
  id: string;
  promotion: string;
  values: Record<string, string>;
  origin: string;
  createdBy: string;
  createdAt: string;
  stages: ReleaseStageView[];
}
