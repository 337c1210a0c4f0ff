/**
 * Many agents in one process for the hub's benchmarks: each joins with a real join token (the
 * agent's own join code), keeps the agent's SQLite outbox, and holds one real link with the
 * link package's client (the agent session machine, TLS WebSocket, heartbeats). It reports
 * synthetic applications and records when each of its applications is told to refresh (a hub
 * command, or by default one source-moved frame for all those reading the moved ref, ADR 30, as
 * the agent announces it); optionally it begins the pass as the agent would, with a real
 * `git ls-remote` and shallow fetch through the agent's Git cache.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { joinHub, SqliteOutbox } from '@trueup/agent/hub-link';
import type { ApplicationStatus, LinkCommand, SourceMoved } from '@trueup/api';
import { applicationsToRefresh } from '@trueup/agent/hub-link';
import type { GitCache } from '@trueup/git';
import type { HubClient } from '@trueup/hub';
import { LinkClient } from '@trueup/link';

export interface SimApp {
  name: string;
  repoURL: string;
  ref: string;
  /** The commit it reports (the ref's head when the agent started). */
  revision?: string;
}

export interface SimAgentOptions {
  environment: string;
  dir: string;
  apps: SimApp[];
  /** Resources per application status (the objects it manages). */
  resources: number;
  /** Announce source-moved in the hello (the agent since ADR 30); false: an older agent, told by commands. */
  sourceMoved?: boolean;
}

export interface Received {
  at: number;
  /** The application told to refresh. */
  application: string;
  /** The command, when told by one. */
  command?: LinkCommand;
}

/** How long a simulated pass takes: the command's answer comes this long after the command. */
const ANSWER_AFTER_MS = 1000;

/** One simulated agent: its statuses, its outbox, its link and what it was told. */
export class SimAgent {
  readonly environment: string;
  readonly received: Received[] = [];
  readonly statuses = new Map<string, ApplicationStatus>();
  readonly outbox: SqliteOutbox;
  git: { cache: GitCache; limit: <T>(fn: () => Promise<T>) => Promise<T> } | undefined;
  readonly #apps: Map<string, SimApp>;
  readonly #dir: string;
  readonly #sourceMoved: boolean;
  #client: LinkClient | undefined;
  #onReceive: ((agent: SimAgent, received: Received) => void) | undefined;
  streaming = false;

  constructor(options: SimAgentOptions) {
    this.environment = options.environment;
    this.#dir = options.dir;
    this.#apps = new Map(options.apps.map((app) => [app.name, app]));
    this.#sourceMoved = options.sourceMoved !== false;
    for (const app of options.apps) this.statuses.set(app.name, syntheticStatus(app, options.resources, 0));
    this.outbox = new SqliteOutbox(join(options.dir, 'state'), () => [...this.statuses.values()]);
  }

  async join(client: HubClient): Promise<{ hubUrl: string; ca: string; credential: string }> {
    const { token } = await client.post<{ token: string }>('/api/v1/join-tokens', { name: this.environment, ttl: '1h' });
    const tokenFile = join(this.#dir, 'join-token');
    await writeFile(tokenFile, token, { mode: 0o600 });
    return joinHub(join(this.#dir, 'state'), tokenFile);
  }

  connect(credential: { hubUrl: string; ca: string; credential: string }, onReceive?: (agent: SimAgent, received: Received) => void, proxy?: string): void {
    this.#onReceive = onReceive;
    this.#client = new LinkClient({
      hubUrl: credential.hubUrl,
      ca: credential.ca,
      credential: credential.credential,
      agentVersion: 'bench-sim',
      outbox: this.outbox,
      proxy,
      onCommand: (command) => this.#onCommand(command),
      ...(this.#sourceMoved ? { onSourceMoved: (source: SourceMoved) => this.#onSourceMoved(source), onCatchUp: () => undefined } : {}),
      onState: (state) => {
        this.streaming = state.state === 'streaming';
      },
    });
    this.#client.start();
  }

  /** A changed status (objects changed): queued in the outbox like the agent's pass-finished. */
  report(status: ApplicationStatus): void {
    this.statuses.set(status.name, status);
    this.outbox.appendStatus(status);
    this.#client?.notify();
  }

  notify(): void {
    this.#client?.notify();
  }

  async disconnect(): Promise<void> {
    await this.#client?.stop();
    this.#client = undefined;
    this.streaming = false;
  }

  async close(): Promise<void> {
    await this.disconnect();
    this.outbox.close();
  }

  /** As the agent: every application reading the moved ref starts its pass at once (no answer to the hub). */
  #onSourceMoved(source: SourceMoved): void {
    const reading = [...this.#apps.values()].map((app) => ({ name: app.name, source: { repoURL: app.repoURL, ref: app.ref }, revision: this.statuses.get(app.name)?.revision }));
    const at = performance.now();
    for (const name of applicationsToRefresh(reading, source)) {
      const received = { at, application: name };
      this.received.push(received);
      this.#onReceive?.(this, received);
      void this.#pass(name).catch(() => undefined);
    }
  }

  /** The start of a pass as the agent's (with Git: ls-remote, and a fetch when the ref moved); whether it ran one. */
  async #pass(name: string): Promise<boolean> {
    const app = this.#apps.get(name);
    if (this.git === undefined || app === undefined) return false;
    const { cache, limit } = this.git;
    const last = this.statuses.get(app.name)?.revision;
    const artifact = await limit(() => cache.sync({ repoURL: app.repoURL, ref: app.ref, path: 'app' }, { lastRevision: last }));
    this.statuses.set(app.name, { ...(this.statuses.get(app.name) as ApplicationStatus), revision: artifact.revision });
    return true;
  }

  async #onCommand(command: LinkCommand): Promise<{ ok: boolean; message: string }> {
    const received = { at: performance.now(), application: command.application, command };
    this.received.push(received);
    this.#onReceive?.(this, received);
    if (command.verb === 'refresh' && await this.#pass(command.application)) return { ok: true, message: 'refreshed' };
    // An agent answers once its pass is over, not at once.
    await new Promise((resolve) => setTimeout(resolve, ANSWER_AFTER_MS));
    return { ok: true, message: 'refreshed' };
  }
}

/** A status as an agent reports it: `resources` objects, `changed` of them drifted (OutOfSync with a diff). */
export function syntheticStatus(app: SimApp, resources: number, changed: number, revision = app.revision ?? '0'.repeat(40)): ApplicationStatus {
  return {
    name: app.name,
    revision,
    appliedRevision: revision,
    source: { repoURL: app.repoURL, ref: app.ref, path: 'app' },
    sync: changed > 0 ? 'OutOfSync' : 'Synced',
    health: { status: 'Healthy' },
    conditions: [{ type: 'Ready', status: 'True', reason: 'Synced', message: 'applied', lastTransitionTime: '2026-01-01T00:00:00.000Z' }],
    resources: Array.from({ length: resources }, (_, i) => ({
      apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: `${app.name}-object-${String(i).padStart(5, '0')}`,
      sync: i < changed ? 'OutOfSync' : 'Synced',
      health: { status: 'Healthy' },
      ...(i < changed ? { diff: `--- live\n+++ git\n@@\n-  replicas: 3\n+  replicas: 2\n` } : {}),
    })),
    lastPassAt: '2026-01-01T00:00:00.000Z',
  };
}

/** Runs `fn` with at most `n` at once. */
export function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
