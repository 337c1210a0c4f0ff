/** What a job's built-in steps ask of the hub over the runner's credential: trueup/sync, and deployments for the ledger. */
import { z } from 'zod';

const SHA = z.string().regex(/^[0-9a-f]{40}$/, { message: 'expected a full commit SHA' });

export const JobSyncRequestSchema = z.strictObject({
  /** ENV/APP. */
  application: z.string().min(3).max(507).regex(/^[^/]+\/[^/]+$/, { message: 'expected ENV/APP' }),
  /** Seconds to hold the answer for the agent's result; at most 60. */
  wait: z.number().int().min(0).max(60).default(25),
});

export const JobDeploymentRequestSchema = z.strictObject({
  via: z.enum(['trueup/deploy', 'trueup/sync']),
  /** What was deployed to: `ssh://user@host:port` or `kubernetes://namespace`, or ENV/APP for a sync. */
  target: z.string().min(1).max(500),
  revision: SHA.optional(),
  /** For trueup/sync: the command whose result is recorded (its application and revision are the hub's own). */
  command: z.string().min(1).max(64).optional(),
  result: z.enum(['succeeded', 'failed']),
  details: z.record(z.string(), z.union([z.string().max(2000), z.number(), z.boolean()])).optional(),
});

export type JobSyncRequest = z.input<typeof JobSyncRequestSchema>;
export type JobDeploymentRequest = z.infer<typeof JobDeploymentRequestSchema>;

export const RollbackRequestSchema = z.strictObject({
  /** A run id or a revision (7 or more hex digits); default the previous deployed revision. */
  to: z.string().min(1).max(64).optional(),
});
