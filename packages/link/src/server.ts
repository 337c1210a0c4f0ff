/**
 * The hub's side of one link over an accepted WebSocket: feeds the hub session machine and
 * performs its actions through the handlers (the store, the command queue). Events are stored
 * one at a time, in the order received, and acknowledged only once stored.
 */
import { AgentFrameSchema, LINK_MAX_FRAME_BYTES, LinkCloseCodes, parseFrame, type AgentKind, type CommandResult, type HubFrame, type LinkAccepts, type LinkCommand, type LinkEvent, type LinkRead, type ReadResult, type SourceMoved } from '@trueup/api';
import * as ws from 'ws';
import type WebSocket from 'ws';
import { rawText } from './client.ts';
import { openHubSession, stepHubSession, type HubSessionAction, type HubSessionInput, type HubSessionState } from './hub-session.ts';

export interface LinkSessionHandlers {
  resync(digests: Record<string, string>): Promise<{ ackedSeq: number; want: string[] }>;
  /** The agent said who it is (hello): its version and what it deploys to. */
  agentInfo?(info: { version: string; kinds: AgentKind[]; accepts: LinkAccepts[] }): Promise<void>;
  store(seq: number, at: number, event: LinkEvent): Promise<void>;
  commandResult(id: string, result: CommandResult): Promise<void>;
  /** The agent's answer to a read (not stored: a read changes nothing). */
  readResult(id: string, result: ReadResult): void;
  /** Commands queued for this agent, oldest first. */
  queued(): Promise<LinkCommand[]>;
  /** A handler failed: the link closes (the agent reconnects and resends). */
  onError(error: unknown): void;
  onClose(code: number, reason: string): void;
}

export interface LinkSession {
  readonly environment: string;
  /** Sends a command if the session streams; returns whether it was sent. */
  command(command: LinkCommand): boolean;
  /** Sends commands if the session streams, their frames in one write to the socket; returns whether they were sent. */
  commands(commands: readonly LinkCommand[]): boolean;
  /** Sends a read if the session streams; returns whether it was sent. */
  read(read: LinkRead): boolean;
  /** Whether the agent's hello announced it understands this frame (false before its hello). */
  accepts(frame: LinkAccepts): boolean;
  /** Sends a source-moved if the session streams and the agent accepts it; returns whether it was sent. */
  sourceMoved(source: SourceMoved): boolean;
  close(code: number, reason: string): void;
}

/** Bytes buffered for a slow reader beyond which the link is dropped instead of growing. */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export interface LinkSessionOptions {
  now?: () => number;
  tickMs?: number;
  /** Default MAX_BUFFERED_BYTES. */
  maxBufferedBytes?: number;
  /** Told in the welcome: how often the hub polls the repositories it can read. */
  gitPollMs?: number | undefined;
  /** How often each side sends at least a heartbeat, told in the welcome (default LINK_HEARTBEAT_MS); an agent silent three times as long is cut. */
  heartbeatMs?: number | undefined;
}

export function serveLinkSession(socket: WebSocket, environment: string, handlers: LinkSessionHandlers, options: LinkSessionOptions = {}): LinkSession {
  const now = options.now ?? Date.now;
  let state: HubSessionState = openHubSession(now(), environment, options.gitPollMs, options.heartbeatMs);
  let work: Promise<void> = Promise.resolve();
  /** Why the hub cut the connection itself, when it did without a close handshake. */
  let cut: { code: number; reason: string } | undefined;
  const ticker = setInterval(() => input({ type: 'tick', now: now() }), options.tickMs ?? 1000);
  ticker.unref();
  const maxBuffered = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES;

  const close = (code: number, reason: string): void => {
    if (code === LinkCloseCodes.silent) {
      // A silent agent would not answer the close handshake either: cut at once.
      cut = { code, reason };
      socket.terminate();
      return;
    }
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(code, reason.slice(0, 120));
  };
  /** Whether frames may be sent now; a reader too slow is cut instead. */
  const writable = (): boolean => {
    if (socket.readyState !== socket.OPEN) return false;
    if (socket.bufferedAmount > maxBuffered) {
      // A peer that does not read would not read a close frame either: cut the connection, so
      // nothing more is buffered for it, and report why.
      cut = { code: LinkCloseCodes.slowReader, reason: `agent does not read: over ${maxBuffered} bytes wait to be sent to it` };
      socket.terminate();
      return false;
    }
    return true;
  };
  /** Frames held while `together` runs, sent when it ends. */
  let held: HubFrame[] | undefined;
  const send = (frame: HubFrame): void => {
    if (held !== undefined) held.push(frame);
    else if (writable()) socket.send(JSON.stringify(frame));
  };
  /**
   * Frames sent inside `fn` leave in one write (a push's commands for one agent: one TLS write,
   * not one each). Framed by ws's own framing into one buffer written to the connection under
   * the WebSocket: nothing else writes there in between, since without extensions ws writes
   * each message at once. With an extension negotiated, each frame goes through ws instead.
   */
  const together = (fn: () => void): void => {
    const frames: HubFrame[] = [];
    held = frames;
    try {
      fn();
    } finally {
      held = undefined;
      if (frames.length > 0 && writable()) sendFrames(socket, frames);
    }
  };
  // Handler calls run in order; a failure closes the link so the agent resends from its outbox.
  const queue = (task: () => Promise<void>): void => {
    work = work.then(task).catch((error: unknown) => {
      handlers.onError(error);
      close(1011, 'hub failed to store the event');
    });
  };
  const perform = (actions: readonly HubSessionAction[]): void => {
    for (const action of actions) {
      switch (action.type) {
        case 'send':
          send(action.frame);
          break;
        case 'close':
          close(action.code, action.reason);
          break;
        case 'agent-info':
          if (handlers.agentInfo !== undefined) queue(() => handlers.agentInfo?.({ version: action.version, kinds: action.kinds, accepts: action.accepts }) ?? Promise.resolve());
          break;
        case 'resync':
          queue(async () => {
            const { ackedSeq, want } = await handlers.resync(action.digests);
            input(action.periodic ? { type: 'want-ready', now: now(), want } : { type: 'resync-ready', now: now(), ackedSeq, want });
          });
          break;
        case 'store':
          queue(async () => {
            await handlers.store(action.seq, action.at, action.event);
            input({ type: 'stored', now: now(), seq: action.seq });
          });
          break;
        case 'command-result':
          queue(() => handlers.commandResult(action.id, action.result));
          break;
        case 'read-result':
          handlers.readResult(action.id, action.result);
          break;
        case 'deliver-queued':
          queue(async () => {
            const queued = await handlers.queued();
            together(() => {
              for (const command of queued) input({ type: 'command', now: now(), command });
            });
          });
          break;
      }
    }
  };
  const input = (next: HubSessionInput): void => {
    const step = stepHubSession(state, next);
    state = step.state;
    perform(step.actions);
  };

  socket.on('message', (data, isBinary) => {
    if (isBinary) return close(LinkCloseCodes.protocolError, 'binary frames are not spoken');
    const parsed = parseFrame(AgentFrameSchema, rawText(data));
    if (!parsed.ok) return close(LinkCloseCodes.protocolError, parsed.reason);
    input({ type: 'frame', now: now(), frame: parsed.frame });
  });
  socket.on('error', () => close(LinkCloseCodes.protocolError, 'socket error'));
  socket.on('close', (code, reason) => {
    clearInterval(ticker);
    state = { ...state, phase: 'closed' };
    handlers.onClose(cut?.code ?? code, cut?.reason ?? reason.toString());
  });

  return {
    environment,
    command(command) {
      if (state.phase !== 'streaming') return false;
      input({ type: 'command', now: now(), command });
      return true;
    },
    commands(commands) {
      if (state.phase !== 'streaming') return false;
      together(() => {
        for (const command of commands) input({ type: 'command', now: now(), command });
      });
      return true;
    },
    read(read) {
      if (state.phase !== 'streaming') return false;
      input({ type: 'read', now: now(), read });
      return true;
    },
    accepts(frame) {
      return state.accepts.includes(frame);
    },
    sourceMoved(source) {
      if (state.phase !== 'streaming' || !state.accepts.includes('source-moved')) return false;
      input({ type: 'source-moved', now: now(), source });
      return true;
    },
    close,
  };
}

export { LINK_MAX_FRAME_BYTES };

/** ws's framing (RFC 6455), which its types do not declare; a server's frames are not masked. */
const { Sender } = ws as unknown as { Sender: { frame(this: void, data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }): Buffer[] } };
const TEXT = 1;

function sendFrames(socket: WebSocket, frames: readonly HubFrame[]): void {
  const raw = (socket as unknown as { _socket?: { write(data: Buffer): boolean } })._socket;
  if (raw === undefined || socket.extensions !== '') {
    for (const frame of frames) socket.send(JSON.stringify(frame));
    return;
  }
  raw.write(Buffer.concat(frames.flatMap((frame) => Sender.frame(Buffer.from(JSON.stringify(frame)), { fin: true, opcode: TEXT, mask: false, readOnly: true, rsv1: false }))));
}
