/**
 * The agent's link to a hub: joins once with a token, then holds one outbound WebSocket over TLS
 * trusting only the hub's pinned CA, reports status and events through its outbox, and runs the
 * hub's commands. Without a credential or a join token there is no link.
 */
import type { AgentKind, ApplicationStatus, LinkRead, PassTrigger, ReadResult, SourceMoved } from '@trueup/api';
import { LinkClient, type LinkClientState } from '@trueup/link';
import type { AgentEvent } from '../events.ts';
import { runCommand, type CommandTarget } from './commands.ts';
import { joinHub, readCredential, type HubCredential } from './join.ts';
import { SqliteOutbox } from './outbox.ts';
import { linkEventsOf } from './report.ts';

export { readCredential, joinHub, type HubCredential } from './join.ts';
export { SqliteOutbox, statusDigest } from './outbox.ts';
export { applicationsToRefresh, type ReadingApplication } from './source-moved.ts';

export interface HubLinkOptions {
  /** A join token file, used only when the state dir holds no credential yet. */
  joinTokenFile?: string | undefined;
  onState?: (state: LinkClientState) => void;
  /** An HTTP/1.1 proxy to reach the hub through; default from HTTPS_PROXY unless NO_PROXY. */
  proxy?: string | undefined;
  /** The link's clock for heartbeats and silence, in ms; injected so tests can move it. */
  now?: (() => number) | undefined;
}

export interface HubLink {
  readonly credential: HubCredential;
  /** Feeds one agent event to the outbox. */
  record(event: AgentEvent): void;
  /** Unacknowledged events waiting in the outbox. */
  backlog(): number;
  stop(): Promise<void>;
}

export const AGENT_VERSION = '0.1.0';

export interface LinkedAgent extends CommandTarget {
  statuses(): ApplicationStatus[];
  /** What the agent's applications deploy to now, told to the hub at each connection. */
  kinds(): AgentKind[];
  /** Reads one object of an application; undefined when the agent does not run it. */
  read(read: LinkRead): Promise<ReadResult> | undefined;
  /** The spec of each application as loaded from Git, credentials by reference only. */
  spec(name: string): Record<string, unknown> | undefined;
  /** A followed Git ref moved (ADR 30): refresh every application that reads it, at once. */
  sourceMoved(source: SourceMoved): void;
  /** Linked (again): refresh every application not in a pass already (ADR 30). */
  catchUp(): void;
}

export async function startHubLink(stateDir: string, options: HubLinkOptions, agent: LinkedAgent): Promise<HubLink | undefined> {
  const credential = options.joinTokenFile === undefined ? await readCredential(stateDir) : await joinHub(stateDir, options.joinTokenFile, options.proxy);
  if (credential === undefined) return undefined;
  const outbox = new SqliteOutbox(stateDir, () => agent.statuses(), Date.now, (name) => agent.spec(name));
  const client = new LinkClient({
    hubUrl: credential.hubUrl,
    ca: credential.ca,
    credential: credential.credential,
    agentVersion: AGENT_VERSION,
    kinds: () => agent.kinds(),
    outbox,
    onCommand: (command) => runCommand(command, agent),
    onSourceMoved: (source) => agent.sourceMoved(source),
    onCatchUp: () => agent.catchUp(),
    onRead: async (read) => (await agent.read(read)) ?? { what: 'error', code: 'AGENT_APPLICATION_UNKNOWN', message: `this agent runs no application "${read.application}"` },
    ...(options.onState === undefined ? {} : { onState: options.onState }),
    ...(options.proxy === undefined ? {} : { proxy: options.proxy }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const triggers = new Map<string, PassTrigger>();
  let known = new Set<string>();
  client.start();
  return {
    credential,
    record(event) {
      if (event.type === 'pass-started') triggers.set(event.application, event.trigger);
      for (const linkEvent of linkEventsOf(event, triggers.get(event.application))) outbox.append(linkEvent);
      if (event.type === 'pass-finished' || event.type === 'health-changed') {
        outbox.appendStatus(event.status);
        // Applications the agent stopped running (removed from Git by their parent) are reported gone.
        const live = new Set(agent.statuses().map((s) => s.name));
        for (const name of known) if (!live.has(name) && name !== event.application) outbox.append({ kind: 'removed', application: name });
        known = new Set([...live, event.application]);
      }
      client.notify();
    },
    backlog: () => outbox.size(),
    async stop() {
      await client.stop();
      outbox.close();
    },
  };
}
