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

/** A release made by a pipeline job (`uses: trueup/release`): the hub names the run and job from its own records. */
export const JobReleaseCreateSchema = z.strictObject({
  promotion: name,
  values: z.record(name, z.string().min(1).max(1024)),
});
export type JobReleaseCreate = z.infer<typeof JobReleaseCreateSchema>;

/**
 * The `with:` inputs of `uses: trueup/release`: `promotion`, and `values` as one NAME=VALUE per
 * line (or separated by spaces). Throws naming the input and the line that is wrong.
 */
export function releaseStepRequest(withs: Record<string, string>): JobReleaseCreate {
  const promotion = (withs.promotion ?? '').trim();
  if (promotion === '') throw new Error('trueup/release: input "promotion" is required');
  const entries = (withs.values ?? '').split(/[\n ]+/).map((line) => line.trim()).filter((line) => line !== '');
  if (entries.length === 0) throw new Error('trueup/release: input "values" is required: one NAME=VALUE per line, such as image=registry.example.com/web@sha256:…');
  const values: Record<string, string> = {};
  entries.forEach((entry, index) => {
    const at = entry.indexOf('=');
    if (at < 1 || at === entry.length - 1) throw new Error(`trueup/release: "values" entry ${index + 1} ("${entry}") is not NAME=VALUE`);
    const name = entry.slice(0, at);
    if (name in values) throw new Error(`trueup/release: "values" names "${name}" twice`);
    values[name] = entry.slice(at + 1);
  });
  return JobReleaseCreateSchema.parse({ promotion, values });
}

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

/** The pipeline run and job that made a release, as the hub recorded them. */
export interface ReleaseRunView {
  id: string;
  job: string;
  workflow?: string;
  repository?: string;
  /** The commit the run built. */
  sha?: string;
  /** Who or what started the run. */
  actor?: string;
  status?: string;
  conclusion?: string;
}

/** One agent's pass that applied one of the release's commits (release show only). */
export interface ReleaseAppliedView {
  environment: string;
  application: string;
  revision: string;
  /** The stage whose commit it is. */
  stage?: string;
  /** When the agent reported applying it, ISO 8601. */
  at: string;
  /** The pass's result (succeeded, failed…). */
  result: string;
  /** Whether the application still runs that commit, and its health now if so. */
  runsNow: boolean;
  health?: string;
}

export interface ReleaseView {
  id: string;
  promotion: string;
  values: Record<string, string>;
  origin: string;
  run?: ReleaseRunView;
  /** Every agent that applied a commit of the release, oldest first (release show only). */
  applied?: ReleaseAppliedView[];
  createdBy: string;
  createdAt: string;
  stages: ReleaseStageView[];
}
