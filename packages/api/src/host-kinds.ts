/** Host kinds (`host.trueup.dev/v1alpha1`): what a host manifest may declare. */
import { z } from 'zod';
import { parseDuration } from './duration.ts';

export const HOST_API_VERSION = 'host.trueup.dev/v1alpha1';

const duration = z.string().refine((text) => parseDuration(text) !== undefined, { message: 'expected a duration such as 500ms, 10s or 1m' });
const absolutePath = z.string().startsWith('/', { message: 'expected an absolute path' });
/** Octal permissions as a quoted string; YAML 1.2 reads an unquoted 0644 as the decimal 644. */
const mode = z.string({ error: 'expected a quoted octal string such as "0644"' }).regex(/^0?[0-7]{3,4}$/, { message: 'expected an octal string such as "0644"' });
const owner = z.union([z.string().min(1), z.number().int().min(0)]);
/** `Kind/name` of another host resource in the same application. */
const resourceRef = z.string().regex(/^(File|Directory|Symlink|Command|Service)\/[^/]+$/, { message: 'expected Kind/name, such as File/app-config' });
/** A shell string or an argv list of strings; a list item that is not a string is named in the message. */
const commandLine = z.union([z.string().min(1), z.array(z.string()).min(1)], {
  error: (issue) => {
    const input: unknown = issue.input;
    if (!Array.isArray(input)) return 'expected a command: a string for the shell, or a list of strings (argv)';
    const index = input.findIndex((item) => typeof item !== 'string');
    if (index === -1) return 'expected at least one item (the program)';
    const item: unknown = input[index];
    const quoted = typeof item === 'number' || typeof item === 'boolean' ? `; quote it: "${String(item)}"` : '';
    const what = item === null ? 'null' : Array.isArray(item) ? 'a list' : typeof item === 'object' ? 'a mapping' : `a ${typeof item}`;
    return `argv item ${index} is ${what}: every item must be a string${quoted}`;
  },
});
const backoff = z.strictObject({
  duration: duration.default('1s'),
  factor: z.number().min(1).default(2),
  maxDuration: duration.default('30s'),
});

export const FileSpecSchema = z.strictObject({
  path: absolutePath,
  /** Inline text. Exactly one of `content` and `source`. */
  content: z.string().optional(),
  /** A file in the repository, relative to the manifest's folder. */
  source: z.string().min(1).optional(),
  /** Set by render when `source` holds bytes that are not UTF-8. */
  encoding: z.enum(['utf8', 'base64']).optional(),
  mode: mode.optional(),
  owner: owner.optional(),
  group: owner.optional(),
}).refine((spec) => (spec.content === undefined) !== (spec.source === undefined), { message: 'set exactly one of content and source' });

export const DirectorySpecSchema = z.strictObject({
  path: absolutePath,
  mode: mode.optional(),
  owner: owner.optional(),
  group: owner.optional(),
});

export const SymlinkSpecSchema = z.strictObject({
  path: absolutePath,
  /** Relative to the link's folder, or absolute: then taken under the destination root. */
  target: z.string().min(1),
});

export const HealthCheckSchema = z.strictObject({
  http: z.strictObject({ port: z.number().int().min(1).max(65535), path: z.string().startsWith('/').default('/'), host: z.string().default('127.0.0.1') }).optional(),
  tcp: z.strictObject({ port: z.number().int().min(1).max(65535), host: z.string().default('127.0.0.1') }).optional(),
  exec: z.strictObject({ command: commandLine }).optional(),
  interval: duration.default('5s'),
  timeout: duration.default('2s'),
  /** Time after start during which failing checks mean Progressing, not Degraded. */
  startPeriod: duration.default('30s'),
}).refine((check) => [check.http, check.tcp, check.exec].filter((c) => c !== undefined).length === 1, { message: 'set exactly one of http, tcp and exec' });

export const ServiceSpecSchema = z.strictObject({
  /** argv, or a string run by /bin/sh -c. */
  command: commandLine,
  env: z.record(z.string(), z.string()).optional(),
  /** Absolute, under the destination root. */
  workingDir: absolutePath.optional(),
  restart: z.enum(['always', 'on-failure', 'never']).default('always'),
  backoff: backoff.prefault({}),
  healthCheck: HealthCheckSchema.optional(),
  stopSignal: z.enum(['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGKILL']).default('SIGTERM'),
  stopTimeout: duration.default('10s'),
  /** Restart the service when one of these resources changed in a pass. */
  onChange: z.array(resourceRef).optional(),
});

export const CommandSpecSchema = z.strictObject({
  /** argv, or a string run by /bin/sh -c. */
  run: commandLine,
  /** Skip when this path exists (under the root). */
  creates: absolutePath.optional(),
  /** Skip when this command exits 0. */
  unless: commandLine.optional(),
  /** Run again when one of these resources changed in a pass. */
  onChange: z.array(resourceRef).optional(),
  env: z.record(z.string(), z.string()).optional(),
  workingDir: absolutePath.optional(),
  timeout: duration.default('5m'),
});

export const HOST_KIND_SCHEMAS = {
  File: FileSpecSchema,
  Directory: DirectorySpecSchema,
  Symlink: SymlinkSpecSchema,
  Service: ServiceSpecSchema,
  Command: CommandSpecSchema,
} as const;

export type HostKind = keyof typeof HOST_KIND_SCHEMAS;
export const HOST_KINDS = Object.keys(HOST_KIND_SCHEMAS) as HostKind[];
export type FileSpec = z.output<typeof FileSpecSchema>;
export type DirectorySpec = z.output<typeof DirectorySpecSchema>;
export type SymlinkSpec = z.output<typeof SymlinkSpecSchema>;
export type ServiceSpec = z.output<typeof ServiceSpecSchema>;
export type CommandSpec = z.output<typeof CommandSpecSchema>;
export type HealthCheck = z.output<typeof HealthCheckSchema>;

export function isHostKind(kind: string): kind is HostKind {
  return Object.hasOwn(HOST_KIND_SCHEMAS, kind);
}
