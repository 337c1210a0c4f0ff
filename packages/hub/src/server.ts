/**
 * `trueup hub`: the HTTP API and the agents' link endpoint on one HTTPS port, a store (SQLite in
 * the data dir, or PostgreSQL), a CA made on first start, and `hub.json` telling scripts where it is.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { Duplex } from 'node:stream';
import { join, resolve } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { LINK_MAX_FRAME_BYTES, LINK_PATH, RUNNER_LINK_PATH, type HubInfo } from '@trueup/api';
import { openStore, type HubStore } from '@trueup/store';
import { WebSocketServer } from 'ws';
import { createHubApp } from './app.ts';
import type { HubDeps } from './deps.ts';
import { Auth } from './auth.ts';
import { ChangeFeed } from './change-feed.ts';
import { HubErrors } from './errors.ts';
import { AgentAuthenticator } from './agent-authenticator.ts';
import { HubGitops } from './gitops-writers.ts';
import { LinkRegistry } from './link-registry.ts';
import { HubMetrics } from './metrics.ts';
import { EnvironmentGate } from './environment-gate.ts';
import { PipelineRuns } from './pipeline-runs.ts';
import { SecretBox } from './secret-box.ts';
import { PipelineTriggers } from './pipeline-triggers.ts';
import { PromotionEngine } from './promotion-engine.ts';
import { AdoptionWatcher } from './adopt-watch.ts';
import { readRegistryAuth } from './registry-auth.ts';
import { RUNNER_LEASE_MS, RunnerHub } from './runner-hub.ts';
import { expectUnfinishedJobs, renewAndTakeOver, resumeUnfinishedRuns } from './run-takeover.ts';
import { SharedQueue } from './shared-queue.ts';
import { DEFAULT_ARTIFACT_LIMITS } from './routes/artifacts.ts';
import { REPO_POLL_MS, RepoPoller } from './repo-poller.ts';
import { authenticateRunner } from './runner-join.ts';
import { ensurePki, loadTls, serverNames, type HubTls } from './pki.ts';
import { randomSecret } from './secrets.ts';
import { HubOidc, type OidcOptions } from './oidc.ts';
import { OidcSessions } from './oidc-sessions.ts';
import { checkLinkBuffer, checkLinkHeartbeat, DEFAULT_LINK_BUFFER_BYTES } from './link-options.ts';

export interface HubOptions {
  dataDir: string;
  /** HOST:PORT; default 127.0.0.1:8443. Port 0 picks a free one. */
  listen?: string;
  /** postgres://… ; default SQLite at DATA/hub.db. */
  database?: string;
  tlsCert?: string;
  tlsKey?: string;
  /** The secret forges sign webhooks with; default DATA/webhook.secret, made on first start. */
  webhookSecretFile?: string;
  /** The URL agents dial, when it differs from the listen address (a proxy, a DNS name). */
  publicUrl?: string;
  log?: (message: string) => void;
  now?: () => number;
  /** How long a runner may be silent or away before its jobs are lost; default 45 s. */
  runnerLeaseMs?: number;
  /** How often tracked repositories are polled for new commits; default 60 s. */
  pipelinePollMs?: number;
  /** The AES-256 key pipeline secrets are sealed with (64 hex digits); default DATA/secrets.key, made on first start. */
  secretsKeyFile?: string;
  /** Batching window of the hub's config-branch writers, ms; default 250. */
  gitopsWindowMs?: number;
  /** Largest run artifact, bytes; default 256 MiB. */
  artifactMaxBytes?: number;
  /** How long run artifacts are kept, ms; default 30 days. */
  artifactRetentionMs?: number;
  /** OpenID Connect login; the provider must allow the redirect URI URL/auth/oidc/callback. */
  oidc?: OidcOptions;
  /** How often the promotion engine looks at soak times and windows, ms; default 1000. */
  promotionTickMs?: number;
  /** Registry credentials (JSON, `{"HOST[:PORT]": {"username", "password"}}`); default DATA/registry-auth.json when it exists. */
  registryAuthFile?: string;
  /** How often the shared Git poll lists each followed repository, ms; default 30 s; 0 disables it. */
  pollIntervalMs?: number;
  /** Bytes that may wait to be sent to one agent before its link is cut (4429); default 8 MiB, 64 KiB to 1 GiB. */
  linkBufferBytes?: number;
  /** How often each side of an agent's link sends at least a heartbeat, ms; an agent silent three periods is cut (4408); default 15 s, 250 ms to 15 s. */
  linkHeartbeatMs?: number;
}

export interface RunningHub {
  url: string;
  info: HubInfo;
  store: HubStore;
  links: LinkRegistry;
  runners: RunnerHub;
  runs: PipelineRuns;
  triggers: PipelineTriggers;
  promotions: PromotionEngine;
  poller: RepoPoller;
  tls: HubTls;
  stop(): Promise<void>;
}

export const HUB_INFO_FILE = 'hub.json';
export const ADMIN_TOKEN_FILE = 'admin.token';
export const WEBHOOK_SECRET_FILE = 'webhook.secret';
export const SECRETS_KEY_FILE = 'secrets.key';

export function parseListen(listen: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(listen);
  const port = Number(match?.[3]);
  if (match === null || port > 65535) throw HubErrors.create('HUB_LISTEN_INVALID', `expected --listen HOST:PORT, got "${listen}"`);
  return { host: match[1] ?? match[2] ?? '127.0.0.1', port };
}

export async function startHub(options: HubOptions): Promise<RunningHub> {
  const dataDir = resolve(options.dataDir);
  const log = options.log ?? ((message: string) => process.stderr.write(`trueup hub: ${message}\n`));
  const now = options.now ?? Date.now;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const { host, port } = parseListen(options.listen ?? '127.0.0.1:8443');
  const linkSession = {
    maxBufferedBytes: checkLinkBuffer(options.linkBufferBytes ?? DEFAULT_LINK_BUFFER_BYTES),
    ...(options.linkHeartbeatMs === undefined ? {} : { heartbeatMs: checkLinkHeartbeat(options.linkHeartbeatMs) }),
  };
  const tls = options.tlsCert !== undefined && options.tlsKey !== undefined ? await loadTls(options.tlsCert, options.tlsKey) : await ensurePki(join(dataDir, 'pki'), serverNames(host));
  const store = await openStore(options.database ?? join(dataDir, 'hub.db'));
  const metrics = new HubMetrics({ processMetrics: true });
  const feed = new ChangeFeed();
  const auth = new Auth(store, now);
  const pollIntervalMs = options.pollIntervalMs ?? REPO_POLL_MS;
  const links = new LinkRegistry({ store, feed, metrics, now, log, gitPollMs: pollIntervalMs, session: linkSession });
  const poller = new RepoPoller({ store, links, metrics, now, log, intervalMs: pollIntervalMs, homeDir: join(dataDir, 'poll-home') });
  const unsubscribeFeed = store.signals.subscribe('applications', () => feed.notify());
  const adminTokenFile = join(dataDir, ADMIN_TOKEN_FILE);
  await ensureAdminToken(auth, adminTokenFile);
  const webhookSecretFile = resolve(options.webhookSecretFile ?? join(dataDir, WEBHOOK_SECRET_FILE));
  const webhookSecret = await ensureSecretFile(webhookSecretFile);

  const hub = { url: '', caPem: tls.ca, caSha256: tls.caSha256 };
  const runners = new RunnerHub({ now, log, ...(options.runnerLeaseMs === undefined ? {} : { leaseMs: options.runnerLeaseMs }), onSeen: (id, labels) => void store.runners.seen(id, labels, now()).catch((error: unknown) => log(`runner ${id}: ${String(error)}`)) });
  const box = await SecretBox.open(resolve(options.secretsKeyFile ?? join(dataDir, SECRETS_KEY_FILE)));
  const gate = new EnvironmentGate(store);
  // Replicas on one PostgreSQL share the runner queue: a runner linked to any of them runs any run's jobs.
  const shared = store.engine === 'postgres' ? new SharedQueue({ store, box, runners, log }) : undefined;
  const runs = new PipelineRuns({ store, runners, gate, box, now, log, ...(shared === undefined ? {} : { replica: shared.replica }) });
  // Runs outlive the hub process (run-takeover.ts): each replica renews the runs it holds and
  // takes over those of a replica silent past the runner lease; one hub on SQLite resumes its own.
  const leaseMs = options.runnerLeaseMs ?? RUNNER_LEASE_MS;
  await expectUnfinishedJobs(store, runners);
  const renewRuns = (): Promise<void> => renewAndTakeOver(store, runs, runners, { leaseMs, now, log });
  const runOwnerTimer = store.engine === 'postgres' ? setInterval(() => void renewRuns().catch((error: unknown) => log(`renewing runs: ${String(error)}`)), Math.max(250, Math.floor(leaseMs / 3))) : undefined;
  runOwnerTimer?.unref();
  // In the background: reading each run's workflow again must not keep the hub from listening
  // (its jobs are expected back meanwhile).
  if (store.engine === 'sqlite') void resumeUnfinishedRuns(store, runs, log).catch((error: unknown) => log(`resuming runs: ${String(error)}`));
  const triggers = new PipelineTriggers({ store, runs, dataDir, now, log, credentials: runs.credentials, ...(options.pipelinePollMs === undefined ? {} : { pollMs: options.pipelinePollMs }) });
  await triggers.start();
  const gitops = new HubGitops({ dir: join(dataDir, 'gitops'), windowMs: options.gitopsWindowMs, log });
  metrics.writerCount = () => gitops.writers.size;
  const artifactLimits = { maxBytes: options.artifactMaxBytes ?? DEFAULT_ARTIFACT_LIMITS.maxBytes, retentionMs: options.artifactRetentionMs ?? DEFAULT_ARTIFACT_LIMITS.retentionMs };
  const oidc = options.oidc === undefined ? undefined : new HubOidc(options.oidc, { store, now, hubUrl: () => hub.url });
  if (oidc !== undefined) auth.useOidc(new OidcSessions({ store, box, oidc, now, log }));
  const deps: HubDeps = { store, links, feed, auth, metrics, now, hub, webhookSecret, runners, runs, triggers, gate, box, gitops, artifactLimits, ...(oidc === undefined ? {} : { oidc }) };
  const promotions = new PromotionEngine(deps, { dataDir, log, registryAuth: await readRegistryAuth(options.registryAuthFile ?? join(dataDir, 'registry-auth.json'), options.registryAuthFile !== undefined), ...(options.promotionTickMs === undefined ? {} : { tickMs: options.promotionTickMs }) });
  deps.promotions = promotions;
  await promotions.start();
  const adoptions = new AdoptionWatcher(deps, { log });
  deps.adoptions = adoptions;
  adoptions.start();
  const app = createHubApp(deps, { log });
  // Expired artifacts, and chunks of uploads that never completed (a day old), are removed hourly.
  const sweepArtifacts = (): void => void store.runArtifacts.sweep(now(), now() - 24 * 3600_000).catch((error: unknown) => log(`sweeping artifacts: ${String(error)}`));
  sweepArtifacts();
  const artifactSweep = setInterval(sweepArtifacts, 3600_000);
  artifactSweep.unref();
  // Expired sessions, logins in progress and old failed-login counts are dropped hourly (they are refused when expired anyway).
  const pruning = setInterval(() => void store.sessions.prune(now()).then(() => auth.throttle.prune()).then(() => store.oidcRefresh.prune(now())).catch(() => undefined), 3_600_000);
  pruning.unref();
  const server = createAdaptorServer({ fetch: app.fetch, createServer: createHttpsServer, serverOptions: { key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' } }) as Server;
  const agents = new AgentAuthenticator(store);
  const wss = new WebSocketServer({ noServer: true, maxPayload: LINK_MAX_FRAME_BYTES, perMessageDeflate: false });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    void upgrade(request, socket, head);
  });
  const upgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    socket.on('error', () => socket.destroy());
    const path = new URL(request.url ?? '/', 'https://hub').pathname;
    if (path === RUNNER_LINK_PATH) return upgradeRunner(request, socket, head);
    if (path !== LINK_PATH) return refuse(socket, 404, 'Not Found');
    let agent: Awaited<ReturnType<AgentAuthenticator['authenticate']>>;
    try {
      agent = await agents.authenticate(request.headers.authorization, () => !socket.destroyed);
    } catch (error) {
      log(`link: authenticating an agent failed: ${error instanceof Error ? error.message : String(error)}`);
      return refuse(socket, 503, 'Service Unavailable');
    }
    if (agent === 'abandoned' || socket.destroyed) return;
    if (agent === undefined) return refuse(socket, 401, 'Unauthorized');
    const known = agent;
    wss.handleUpgrade(request, socket, head, (ws) => links.accept(ws, known));
  };
  const upgradeRunner = async (request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    let runner: { id: string; name: string } | undefined;
    try {
      runner = await authenticateRunner(store, request.headers.authorization);
    } catch (error) {
      log(`runner link: authenticating a runner failed: ${error instanceof Error ? error.message : String(error)}`);
      return refuse(socket, 503, 'Service Unavailable');
    }
    if (runner === undefined) return refuse(socket, 401, 'Unauthorized');
    const known = runner;
    wss.handleUpgrade(request, socket, head, (ws) => runners.accept(ws, known));
  };
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolveListen());
  });
  const bound = (server.address() as AddressInfo).port;
  const url = options.publicUrl ?? hubUrl(host, bound);
  hub.url = url;
  const info: HubInfo = { url, caCertFile: tls.caFile, adminTokenFile, webhookSecretFile };
  const infoFile = join(dataDir, HUB_INFO_FILE);
  await writeFile(`${infoFile}.${process.pid}`, `${JSON.stringify(info, null, 2)}\n`);
  await rename(`${infoFile}.${process.pid}`, infoFile);
  poller.start();
  log(`listening on ${url} (${store.engine} store, schema ${store.schemaVersion})`);
  return {
    url,
    info,
    store,
    links,
    runners,
    runs,
    triggers,
    promotions,
    poller,
    tls,
    async stop() {
      clearInterval(pruning);
      unsubscribeFeed();
      await poller.close();
      clearInterval(artifactSweep);
      links.closeAll();
      clearInterval(runOwnerTimer);
      shared?.close();
      runners.close();
      triggers.close();
      await promotions.close();
      await adoptions.close();
      wss.close();
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      await gitops.close().catch((error: unknown) => log(`closing the gitops writers: ${error instanceof Error ? error.message : String(error)}`));
      await store.close();
    },
  };
}

/** The URL join tokens carry: listening on every address, it names this machine (its certificate covers the name). */
export function hubUrl(host: string, port: number, machine: string = hostname()): string {
  const named = host === '0.0.0.0' || host === '::' ? machine : host;
  return `https://${named.includes(':') ? `[${named}]` : named}:${port}`;
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** A random secret kept in `file` (0600), made when missing. */
async function ensureSecretFile(file: string): Promise<string> {
  if (!existsSync(file)) {
    await writeFile(`${file}.new`, `${randomSecret()}\n`, { mode: 0o600 });
    await rename(`${file}.new`, file);
  }
  const secret = (await readFile(file, 'utf8')).trim();
  if (secret.length < 16) throw HubErrors.create('HUB_REQUEST_INVALID', `${file}: a webhook secret needs at least 16 characters`, { file });
  return secret;
}

/** The admin token file (0600), made again when missing or no longer known to the store. */
async function ensureAdminToken(auth: Auth, file: string): Promise<void> {
  if (existsSync(file)) {
    const token = (await readFile(file, 'utf8')).trim();
    if ((await auth.authenticate(`Bearer ${token}`))?.role === 'admin') {
      await chmod(file, 0o600);
      return;
    }
  }
  const token = await auth.createToken('admin', 'admin');
  await writeFile(`${file}.new`, `${token}\n`, { mode: 0o600 });
  await rename(`${file}.new`, file);
}
