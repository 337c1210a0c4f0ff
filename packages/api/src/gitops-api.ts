/** The hub's hand-off API: waiting for a revision to be applied and Healthy, and writes to a config branch through the hub's queue. */
import { z } from 'zod';

export const RevisionWaitQuerySchema = z.strictObject({
  revision: z.string().regex(/^[0-9a-fA-F]{7,64}$/, { message: 'expected a commit SHA (7 to 64 hex digits)' }),
  timeout: z.coerce.number().int().min(0).max(60).optional().describe('seconds to hold the request, default 30; the answer is then state pending'),
});

const FailingResourceSchema = z.object({ kind: z.string(), name: z.string(), namespace: z.string().optional(), health: z.string(), sync: z.string(), message: z.string() });

export const RevisionWaitResultSchema = z.object({
  state: z.enum(['healthy', 'degraded', 'failed', 'pending']),
  reason: z.string(),
  revision: z.string(),
  appliedRevision: z.string(),
  sync: z.string(),
  health: z.string(),
  conditions: z.array(z.object({ type: z.string(), status: z.string(), reason: z.string(), message: z.string(), lastTransitionTime: z.string() })),
  failing: z.array(FailingResourceSchema),
  error: z.object({ code: z.string(), message: z.string(), file: z.string().optional(), line: z.number().optional(), field: z.string().optional() }).optional(),
});
export type RevisionWaitResult = z.infer<typeof RevisionWaitResultSchema>;

const FileEditSchema = z.strictObject({
  file: z.string().min(1).max(4096),
  key: z.string().min(1).max(1024),
  value: z.string().max(65_536),
  document: z.number().int().min(0).optional(),
  line: z.number().int().min(1).optional().describe('instead of document: the document whose content starts on this line (an object\'s origin)'),
  allowTypeChange: z.boolean().optional(),
  match: z.strictObject({ kind: z.string().min(1).max(253), name: z.string().min(1).max(253) }).optional().describe('instead of document or line: the document of this kind whose metadata.name is the name, or is inside it (a rendered name with a prefix or suffix)'),
  expect: z.string().max(65_536).optional().describe('the value the key must hold now; another value refuses the edit (GITOPS_VALUE_DIFFERS)'),
  valuesOf: z.strictObject({
    template: z.string().min(1).max(4096),
    field: z.string().min(1).max(1024),
    layers: z.array(z.strictObject({ what: z.string().min(1).max(1024), file: z.string().min(1).max(4096).optional(), keys: z.array(z.string().max(1024)).max(10_000).optional(), application: z.strictObject({ file: z.string().min(1).max(4096), line: z.number().int().positive().optional(), at: z.string().min(1).max(1024), outside: z.string().max(1024).optional(), string: z.boolean().optional() }).optional() })).max(100).optional()
      .describe('the values above file, lowest precedence first: the edit goes to the last values file that sets the key; a layer with keys (not a file of the repository) that sets it refuses the edit'),
  }).optional().describe('file is a Helm values file: the key is the values key the template takes field from (refused when not exactly one)'),
});

export type FileEdit = z.infer<typeof FileEditSchema>;

export const GitopsSetRequestSchema = z.strictObject({
  repoURL: z.string().min(1).max(2048),
  ref: z.string().min(1).max(255).default('main'),
  edits: z.array(FileEditSchema).min(1).max(100),
  source: z.string().min(1).max(512).optional().describe('what asked for it; default gitops-set'),
  run: z.string().min(1).max(512).optional().describe('the pipeline run, for the Trueup-Run trailer'),
});
export type GitopsSetRequest = z.infer<typeof GitopsSetRequestSchema>;

export const GitopsSetResultSchema = z.object({
  outcome: z.enum(['committed', 'unchanged']),
  revision: z.string(),
  /** Callers whose edits share the commit. */
  batchSize: z.number().optional(),
  changes: z.array(z.object({ file: z.string(), line: z.number(), key: z.string(), from: z.unknown(), to: z.unknown() })).optional(),
  /** The applications told to refresh: with the command sent to each, or none when its agent was told by one source-moved frame (ADR 30). */
  refreshed: z.array(z.object({ environment: z.string(), application: z.string(), command: z.string().optional() })),
});
export type GitopsSetResult = z.infer<typeof GitopsSetResultSchema>;

export const AdoptRequestSchema = z.strictObject({
  object: z.string().min(1).max(1024).describe('the object\'s key (apiVersion/kind/namespace/name), or KIND/NAME or KIND/NAMESPACE/NAME naming one object'),
  fields: z.array(z.string().min(1).max(1024)).max(100).optional().describe('key paths to adopt; default every scalar field whose live value differs from Git'),
  timeout: z.number().int().min(1).max(100).optional().describe('seconds to wait for the agent to apply the commit (only when committing to the tracked branch), default 90'),
  branch: z.string().min(1).max(255).optional().describe('the branch to commit on: the tracked branch commits there and waits for the agent; another branch (created from the tracked one when missing) leaves self-heal paused until the tracked branch holds the values'),
  newBranch: z.boolean().optional().describe('without branch: commit on a new branch trueup/adopt/ENV-APP-KIND-NAME-ID (what `trueup adopt` does by default); false or absent: the tracked branch'),
});
export type AdoptRequest = z.infer<typeof AdoptRequestSchema>;

export const AdoptResultSchema = z.object({
  object: z.string(),
  outcome: z.enum(['committed', 'unchanged']),
  revision: z.string(),
  file: z.string(),
  changes: z.array(z.object({ file: z.string(), line: z.number(), key: z.string(), from: z.unknown(), to: z.unknown() })),
  resumed: z.boolean(),
  /** The branch the commit is on. */
  branch: z.string(),
  /** The branch the application follows. */
  tracked: z.string(),
  /** Whether self-heal of the object stays paused until the tracked branch's applied revision holds the adopted values. */
  pending: z.boolean(),
  /** How to look at the change: a `git diff` of the tracked branch and the adoption's. */
  compare: z.string().optional(),
  /** The adoption's id, as the ledger's gitops-commit and adoption-resumed entries name it. */
  id: z.string().optional(),
});
export type AdoptResult = z.infer<typeof AdoptResultSchema>;

export const AdoptionSchema = z.object({
  id: z.string(),
  environment: z.string(),
  application: z.string(),
  object: z.string(),
  /** The branch the adoption was committed on, and the one the application follows. */
  branch: z.string(),
  tracked: z.string(),
  /** The adoption's commit. */
  revision: z.string(),
  file: z.string(),
  fields: z.array(z.string()),
  state: z.enum(['pending', 'applied', 'superseded', 'withdrawn']),
  requestedBy: z.string(),
  createdAt: z.string().describe('ISO 8601'),
  /** How to look at the change beside the tracked branch. */
  compare: z.string(),
});
export type Adoption = z.infer<typeof AdoptionSchema>;

export const AdoptionListSchema = z.object({ items: z.array(AdoptionSchema) });
export type AdoptionList = z.infer<typeof AdoptionListSchema>;

export const AdoptionQuerySchema = z.strictObject({
  environment: z.string().min(1).max(253).optional(),
  application: z.string().min(1).max(253).optional(),
});
