/**
 * `trueup hub`: runs the hub until SIGTERM; `trueup hub join-token create`, `trueup hub agents
 * list|revoke` talk to a running one.
 */
import { readFile } from 'node:fs/promises';
import { parseDuration } from '@trueup/api';
import { checkLinkHeartbeat, parseLinkBuffer, readOidcConfig, startHub, type OidcOptions } from '@trueup/hub';
import { outputFormat, outputOption, type Command, type CommandContext } from '../command.ts';
import { requireHubClient, hubClientOptions } from '../hub-target.ts';
import { formatTable, printJson } from '../output.ts';
import { ACCESS_USAGE, accessOptions } from './hub-access.ts';

const USAGE = `trueup hub --data-dir D [--listen 127.0.0.1:8443] [--database postgres://…] [--tls-cert F --tls-key F] [--public-url URL] [--webhook-secret-file F] [--secrets-key-file F] [--artifact-max-mib 256] [--artifact-retention-days 30] [--poll-interval 30s] [--link-buffer 8MiB] [--link-heartbeat 15s] [--runner-lease 45s]
       trueup hub join-token create --name ENV [--label k=v]… [--ttl 1h] [--hub URL | --data-dir D]
       trueup hub agents list|revoke ENV [--hub URL | --data-dir D] [-o json]
       trueup hub repos add URL [--credentials FILE] | trueup hub repos list [--hub URL | --data-dir D]
       ${ACCESS_USAGE}
       OpenID Connect login: trueup hub … --oidc-config FILE (issuer, clientId, clientSecretFile, name, scopes, groupsClaim, groupsRefresh, groupsMaxAge)
                          or trueup hub … --oidc-issuer URL --oidc-client-id ID [--oidc-client-secret-file F] [--oidc-name NAME]`;

export const hubCommand: Command = {
  name: 'hub',
  usage: USAGE,
  summary: 'Run the hub (HTTPS API and agent links), or manage its join tokens and agents.',
  options: {
    ...hubClientOptions,
    ...outputOption,
    listen: { type: 'string' },
    database: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'public-url': { type: 'string' },
    'webhook-secret-file': { type: 'string' },
    'secrets-key-file': { type: 'string' },
    'poll-interval': { type: 'string' },
    'link-buffer': { type: 'string' },
    'link-heartbeat': { type: 'string' },
    'runner-lease': { type: 'string' },
    name: { type: 'string' },
    label: { type: 'string', multiple: true },
    ttl: { type: 'string' },
    credentials: { type: 'string' },
    'artifact-max-mib': { type: 'string' },
    'artifact-retention-days': { type: 'string' },
    'oidc-config': { type: 'string' },
    'oidc-issuer': { type: 'string' },
    'oidc-client-id': { type: 'string' },
    'oidc-client-secret-file': { type: 'string' },
    'oidc-name': { type: 'string' },
    ...accessOptions,
  },
  async run(context) {
    const [group, verb, argument] = context.positionals;
    if (group === undefined) return serve(context);
    if (group === 'join-token' && verb === 'create') return createJoinToken(context);
    if (group === 'agents' && verb === 'list') return listAgents(context);
    if (group === 'repos') return (await import('./hub-repos.ts')).hubRepos(context, verb, argument);
    if (group === 'agents' && verb === 'revoke' && argument !== undefined) return revokeAgent(context, argument);
    if (group === 'users' || group === 'tokens' || group === 'projects' || group === 'roles') return (await import('./hub-access.ts')).hubAccess(context, group, verb, argument);
    throw new Error(`unknown hub command "${context.positionals.join(' ')}"; usage:\n${USAGE}`);
  },
};

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

async function serve({ values }: CommandContext): Promise<number> {
  const dataDir = text(values['data-dir']);
  if (dataDir === undefined) throw new Error('give the hub its data folder: --data-dir D');
  const tlsCert = text(values['tls-cert']);
  const tlsKey = text(values['tls-key']);
  if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new Error('give --tls-cert and --tls-key together');
  const database = text(values.database) ?? text(process.env.TRUEUP_DATABASE_URL);
  const publicUrl = text(values['public-url']);
  const webhookSecretFile = text(values['webhook-secret-file']);
  const secretsKeyFile = text(values['secrets-key-file']);
  const pollInterval = text(values['poll-interval']);
  const pollIntervalMs = pollInterval === undefined ? undefined : pollInterval === '0' ? 0 : parseDuration(pollInterval);
  if (pollIntervalMs === undefined && pollInterval !== undefined) throw new Error(`--poll-interval ${pollInterval}: expected a duration such as 30s or 2m, or 0 to poll no repository`);
  const runnerLease = text(values['runner-lease']);
  const runnerLeaseMs = runnerLease === undefined ? undefined : parseDuration(runnerLease);
  if (runnerLease !== undefined && (runnerLeaseMs === undefined || runnerLeaseMs < 1000)) throw new Error(`--runner-lease ${runnerLease}: expected a duration of at least 1s, such as 45s`);
  const artifactMaxMib = text(values['artifact-max-mib']);
  const artifactDays = text(values['artifact-retention-days']);
  for (const [flag, value] of [['--artifact-max-mib', artifactMaxMib], ['--artifact-retention-days', artifactDays]] as const) {
    if (value !== undefined && !/^[1-9]\d{0,5}$/.test(value)) throw new Error(`${flag} takes a whole number of at least 1, not "${value}"`);
  }
  const linkBuffer = text(values['link-buffer']);
  const linkBufferBytes = linkBuffer === undefined ? undefined : parseLinkBuffer(linkBuffer);
  const linkHeartbeat = text(values['link-heartbeat']);
  const linkHeartbeatMs = linkHeartbeat === undefined ? undefined : parseDuration(linkHeartbeat);
  if (linkHeartbeat !== undefined && linkHeartbeatMs === undefined) throw new Error(`--link-heartbeat ${linkHeartbeat}: expected a duration such as 15s or 500ms`);
  if (linkHeartbeatMs !== undefined) checkLinkHeartbeat(linkHeartbeatMs, `--link-heartbeat ${linkHeartbeat ?? ''}`);
  const oidc = await oidcOptions(values);
  const hub = await startHub({
    ...(oidc === undefined ? {} : { oidc }),
    dataDir,
    listen: text(values.listen) ?? '127.0.0.1:8443',
    ...(database === undefined ? {} : { database }),
    ...(tlsCert === undefined || tlsKey === undefined ? {} : { tlsCert, tlsKey }),
    ...(publicUrl === undefined ? {} : { publicUrl }),
    ...(webhookSecretFile === undefined ? {} : { webhookSecretFile }),
    ...(secretsKeyFile === undefined ? {} : { secretsKeyFile }),
    ...(pollIntervalMs === undefined ? {} : { pollIntervalMs }),
    ...(linkBufferBytes === undefined ? {} : { linkBufferBytes }),
    ...(linkHeartbeatMs === undefined ? {} : { linkHeartbeatMs }),
    ...(runnerLeaseMs === undefined ? {} : { runnerLeaseMs }),
    ...(artifactMaxMib === undefined ? {} : { artifactMaxBytes: Number(artifactMaxMib) * 1024 * 1024 }),
    ...(artifactDays === undefined ? {} : { artifactRetentionMs: Number(artifactDays) * 24 * 3600_000 }),
  });
  process.stderr.write(`trueup hub: admin token in ${hub.info.adminTokenFile}, CA in ${hub.info.caCertFile}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await hub.stop();
  return 0;
}

async function oidcOptions(values: CommandContext['values']): Promise<OidcOptions | undefined> {
  const issuer = text(values['oidc-issuer']);
  const clientId = text(values['oidc-client-id']);
  const configFile = text(values['oidc-config']);
  if (configFile !== undefined) {
    const flags = ['oidc-issuer', 'oidc-client-id', 'oidc-client-secret-file', 'oidc-name'].filter((flag) => values[flag] !== undefined);
    if (flags.length > 0) throw new Error(`--oidc-config ${configFile} holds the whole provider: drop --${flags.join(', --')}`);
    return readOidcConfig(configFile);
  }
  if (issuer === undefined && clientId === undefined) return undefined;
  if (issuer === undefined || clientId === undefined) throw new Error('give --oidc-issuer URL and --oidc-client-id ID together');
  const secretFile = text(values['oidc-client-secret-file']);
  const clientSecret = secretFile === undefined ? undefined : (await readFile(secretFile, 'utf8')).trim();
  if (clientSecret === '') throw new Error(`${secretFile ?? ''}: the client secret file is empty`);
  const name = text(values['oidc-name']);
  return { issuer, clientId, ...(clientSecret === undefined ? {} : { clientSecret }), ...(name === undefined ? {} : { name }) };
}

async function createJoinToken({ values }: CommandContext): Promise<number> {
  const name = text(values.name);
  if (name === undefined) throw new Error('name the environment: --name ENV');
  const labels: Record<string, string> = {};
  for (const pair of [values.label ?? []].flat()) {
    const at = String(pair).indexOf('=');
    if (at <= 0) throw new Error(`--label ${String(pair)}: expected key=value`);
    labels[String(pair).slice(0, at)] = String(pair).slice(at + 1);
  }
  const client = await requireHubClient(values);
  const made = await client.post<{ token: string; expiresAt: string }>('/api/v1/join-tokens', { name, labels, ttl: text(values.ttl) ?? '1h' });
  process.stdout.write(`${made.token}\n`);
  process.stderr.write(`One-time join token for environment "${name}", valid until ${made.expiresAt}.\nSave it to a file (mode 0600) and run: trueup agent --join FILE …\n`);
  return 0;
}

interface EnvironmentItem { name: string; connected: boolean; revoked: boolean; lastSeenAt?: string; agentVersion?: string; kinds?: string[]; applications: number; queuedCommands: number; labels: Record<string, string> }

async function listAgents({ values }: CommandContext): Promise<number> {
  const { items } = await (await requireHubClient(values)).get<{ items: EnvironmentItem[] }>('/api/v1/environments');
  if (outputFormat(values) === 'json') {
    printJson({ environments: items });
    return 0;
  }
  process.stdout.write(formatTable(['ENVIRONMENT', 'AGENT', 'LAST SEEN', 'KIND', 'VERSION', 'APPS', 'QUEUED', 'LABELS'], items.map((e) => [
    e.name, e.revoked ? 'revoked' : e.connected ? 'connected' : 'offline', e.lastSeenAt ?? '-', e.kinds?.join('+') ?? '-', e.agentVersion ?? '-', String(e.applications), String(e.queuedCommands),
    Object.entries(e.labels).map(([k, v]) => `${k}=${v}`).join(','),
  ])));
  return 0;
}

async function revokeAgent({ values }: CommandContext, environment: string): Promise<number> {
  await (await requireHubClient(values)).post(`/api/v1/environments/${encodeURIComponent(environment)}/revoke`);
  process.stderr.write(`Revoked the agent credential of environment "${environment}"; its link is closed.\n`);
  return 0;
}
