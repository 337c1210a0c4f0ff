/**
 * The dialing side of the link over WebSocket (TLS): one connection at a time, a thin adapter
 * that feeds the agent session machine and performs its actions; reconnects with jittered
 * backoff. The agent, the runner and load simulators use it with their own outbox and handler.
 */
import { AgentFrameSchema, HubFrameSchema, LINK_PATH, parseFrame, LinkCloseCodes, type AgentKind, type CommandResult, type LinkAccepts, type LinkCommand, type LinkRead, type ReadResult, type SourceMoved } from '@trueup/api';
import type WebSocket from 'ws';
import { openAgentSession, SEND_WINDOW, stepAgentSession, type AgentSessionAction, type AgentSessionInput, type AgentSessionState, type OutboxEntry } from './agent-session.ts';
import { reconnectDelay } from './backoff.ts';
import { closeGracefully, dialHub } from './dial.ts';

/** What the client reads and writes of the dialer's durable state. */
export interface LinkOutbox {
  /** Digest of each application's current status. */
  digests(): Record<string, string>;
  /** Queues a current status of each named application unless one is already queued. */
  ensureStatus(applications: readonly string[]): void;
  /** Entries after `seq`, ascending, at most `limit`. */
  pending(afterSeq: number, limit: number): OutboxEntry[];
  /** The hub stored everything up to `seq`: drop it. */
  acked(seq: number): void;
}

export interface LinkClientOptions {
  /** The hub's base URL, https://host:port. */
  hubUrl: string;
  /** PEM of the one CA trusted for the hub. */
  ca: string;
  /** Bearer credential of this agent. */
  credential: string;
  agentVersion: string;
  /** What the agent's applications deploy to now, told in each hello. */
  kinds?: () => readonly AgentKind[];
  outbox: LinkOutbox;
  onCommand(command: LinkCommand): Promise<CommandResult>;
  /**
   * A followed Git ref moved (ADR 30): refresh what reads it. With it, the hello announces
   * `accepts: ['source-moved']` and `onCatchUp` runs at each welcome; without it the hub sends
   * per-application refresh commands instead.
   */
  onSourceMoved?(source: SourceMoved): void;
  /** Linked (again): refresh what may have moved while unlinked. Called only with `onSourceMoved`. */
  onCatchUp?(): void;
  /** Reads of objects for the hub; without it every read is answered unsupported. */
  onRead?(read: LinkRead): Promise<ReadResult>;
  /** Connection state changes, for logs and tests. */
  onState?(state: LinkClientState): void;
  now?: () => number;
  random?: () => number;
  /** An HTTP/1.1 proxy to tunnel through (CONNECT); default from HTTPS_PROXY unless NO_PROXY. */
  proxy?: string | undefined;
  /** How often heartbeats and silence are checked; default 1 s. */
  tickMs?: number;
}

export type LinkClientState =
  | { state: 'connecting'; attempt: number }
  /** `gitPollMs`: the hub polls the repositories it can read this often (absent: it does not). */
  | { state: 'streaming'; environment: string; ackedSeq: number; gitPollMs?: number }
  | { state: 'disconnected'; code: number; reason: string; retryInMs: number }
  | { state: 'stopped' };

export class LinkClient {
  readonly #options: LinkClientOptions;
  readonly #now: () => number;
  #socket: WebSocket | undefined;
  #session: AgentSessionState | undefined;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #ticker: NodeJS.Timeout | undefined;
  #stopped = false;
  /** Why this side cut the connection without a close handshake. */
  #cut: { code: number; reason: string } | undefined;

  constructor(options: LinkClientOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  start(): void {
    this.#connect();
    this.#ticker = setInterval(() => this.#input({ type: 'tick', now: this.#now() }), this.#options.tickMs ?? 1000);
    this.#ticker.unref();
  }

  /** The outbox has new entries: send what the window allows. */
  notify(): void {
    this.#pump();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#ticker);
    await closeGracefully(this.#socket, 'agent stopping');
    this.#options.onState?.({ state: 'stopped' });
  }

  #connect(): void {
    if (this.#stopped) return;
    this.#options.onState?.({ state: 'connecting', attempt: this.#attempt });
    const { socket, closeInfo } = dialHub(LINK_PATH, this.#options);
    this.#socket = socket;
    socket.on('open', () => {
      const accepts: LinkAccepts[] = this.#options.onSourceMoved === undefined ? [] : ['source-moved'];
      const step = openAgentSession(this.#now(), this.#options.agentVersion, this.#options.outbox.digests(), this.#options.kinds?.() ?? [], accepts);
      this.#session = step.state;
      this.#perform(step.actions);
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) return this.#closeSocket(LinkCloseCodes.protocolError, 'binary frames are not spoken');
      const parsed = parseFrame(HubFrameSchema, rawText(data));
      if (!parsed.ok) return this.#closeSocket(LinkCloseCodes.protocolError, parsed.reason);
      this.#input({ type: 'frame', now: this.#now(), frame: parsed.frame });
    });
    socket.on('close', (code, reason) => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#session = undefined;
      if (this.#stopped) return;
      const info = this.#cut ?? closeInfo(code, reason);
      this.#cut = undefined;
      const retryInMs = reconnectDelay(this.#attempt, (this.#options.random ?? Math.random)());
      this.#attempt += 1;
      this.#options.onState?.({ state: 'disconnected', ...info, retryInMs });
      this.#timer = setTimeout(() => this.#connect(), retryInMs);
    });
  }

  #input(input: AgentSessionInput): void {
    if (this.#session === undefined) return;
    const step = stepAgentSession(this.#session, input);
    this.#session = step.state;
    this.#perform(step.actions);
  }

  #perform(actions: readonly AgentSessionAction[]): void {
    for (const action of actions) {
      switch (action.type) {
        case 'send':
          this.#send(action.frame);
          break;
        case 'close':
          this.#closeSocket(action.code, action.reason);
          break;
        case 'resync':
          this.#attempt = 0;
          this.#options.outbox.acked(action.ackedSeq);
          this.#options.outbox.ensureStatus(action.want);
          this.#options.onState?.({ state: 'streaming', environment: '', ackedSeq: action.ackedSeq, ...(action.gitPollMs === undefined ? {} : { gitPollMs: action.gitPollMs }) });
          this.#pump();
          break;
        case 'acked':
          this.#options.outbox.acked(action.seq);
          this.#pump();
          break;
        case 'run-command':
          void this.#run(action.command);
          break;
        case 'run-read':
          void this.#read(action.read);
          break;
        case 'gather-digests':
          this.#input({ type: 'digests', now: this.#now(), digests: this.#options.outbox.digests() });
          break;
        case 'want':
          this.#options.outbox.ensureStatus(action.want);
          this.#pump();
          break;
        case 'source-moved':
          this.#options.onSourceMoved?.(action.source);
          break;
        case 'catch-up':
          this.#options.onCatchUp?.();
          break;
      }
    }
  }

  async #run(command: LinkCommand): Promise<void> {
    let result: CommandResult;
    try {
      result = await this.#options.onCommand(command);
    } catch (error) {
      result = { ok: false, code: 'AGENT_COMMAND_FAILED', message: error instanceof Error ? error.message : String(error) };
    }
    this.#input({ type: 'command-done', now: this.#now(), id: command.id, result });
  }

  async #read(read: LinkRead): Promise<void> {
    let result: ReadResult;
    try {
      result = this.#options.onRead === undefined ? { what: 'error', code: 'AGENT_READ_UNSUPPORTED', message: 'this agent does not answer reads' } : await this.#options.onRead(read);
    } catch (error) {
      result = { what: 'error', code: 'AGENT_READ_FAILED', message: error instanceof Error ? error.message : String(error) };
    }
    this.#input({ type: 'read-done', now: this.#now(), id: read.id, result });
  }

  #pump(): void {
    const session = this.#session;
    if (session?.phase !== 'streaming') return;
    const after = session.inflight.at(-1) ?? session.ackedSeq;
    const room = SEND_WINDOW - session.inflight.length;
    if (room <= 0) return;
    this.#input({ type: 'pending', now: this.#now(), entries: this.#options.outbox.pending(after, room) });
  }

  #send(frame: unknown): void {
    // Validated on the way out too: a bug here must not reach the hub as a malformed frame.
    const checked = AgentFrameSchema.parse(frame);
    this.#socket?.send(JSON.stringify(checked));
  }

  #closeSocket(code: number, reason: string): void {
    if (code === LinkCloseCodes.silent && this.#socket !== undefined) {
      // A silent hub (a dead link, a black-holed route) would not answer a close either: waiting
      // for it would hold the reconnect for the close timeout. Cut, and report why.
      this.#cut = { code, reason };
      this.#socket.terminate();
      return;
    }
    this.#socket?.close(code, reason.slice(0, 120));
  }
}

export function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
