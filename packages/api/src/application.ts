/** The Application resource (`trueup.dev/v1alpha1`). Field names follow Argo CD where they mean the same. */
import { z } from 'zod';
import { parseDuration } from './duration.ts';

export const APPLICATION_API_VERSION = 'trueup.dev/v1alpha1';

const duration = z.string().refine((text) => parseDuration(text) !== undefined, { message: 'expected a duration such as 30s, 5m or 1h' });
const name = z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/, { message: 'expected a DNS-1123 name: lower case letters, digits, "-" and "."' });

export const RepoCredentialsSchema = z.strictObject({
  /** Username for HTTPS; with `tokenFile` defaults to `git`. */
  username: z.string().optional(),
  /** File holding the HTTPS password. */
  passwordFile: z.string().optional(),
  /** File holding an HTTPS access token, sent as the password. */
  tokenFile: z.string().optional(),
  /** Private key for `ssh://`. */
  sshKeyFile: z.string().optional(),
  /** known_hosts for `ssh://`; host keys are always checked. */
  knownHostsFile: z.string().optional(),
});

export const SourceSchema = z.strictObject({
  repoURL: z.string().regex(/^(file|https?|ssh):\/\/.+/, { message: 'expected a file://, https:// or ssh:// URL' }),
  /** Branch, tag or full commit SHA. */
  ref: z.string().min(1).default('main'),
  /** Folder in the repository; "." is its root. */
  path: z.string().default('.'),
  credentials: RepoCredentialsSchema.optional(),
});

export const HostDestinationSchema = z.strictObject({
  /** Every host path of the application resolves under this folder. */
  root: z.string().startsWith('/', { message: 'expected an absolute path' }),
});

export const DestinationSchema = z.strictObject({ host: HostDestinationSchema });

export const RetrySchema = z.strictObject({
  limit: z.number().int().min(-1).default(5),
  backoff: z.strictObject({
    duration: duration.default('5s'),
    factor: z.number().min(1).default(2),
    maxDuration: duration.default('3m'),
  }).prefault({}),
});

export const SyncPolicySchema = z.strictObject({
  /** Omitted: detect and report only. */
  automated: z.strictObject({ prune: z.boolean().default(false), selfHeal: z.boolean().default(false) }).optional(),
  interval: duration.default('3m'),
  retry: RetrySchema.prefault({}),
});

export const ApplicationSchema = z.strictObject({
  apiVersion: z.literal(APPLICATION_API_VERSION),
  kind: z.literal('Application'),
  metadata: z.strictObject({
    name,
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.strictObject({
    source: SourceSchema,
    destination: DestinationSchema,
    syncPolicy: SyncPolicySchema.prefault({}),
  }),
});

export type Application = z.output<typeof ApplicationSchema>;
export type Source = Application['spec']['source'];
export type RepoCredentials = z.output<typeof RepoCredentialsSchema>;
export type SyncPolicy = Application['spec']['syncPolicy'];
