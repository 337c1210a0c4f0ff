/**
 * The agent's side of a link session as a pure state machine: hello → resync → stream.
 * It owns sequence bookkeeping (what was sent, what the hub acknowledged, a bounded window of
 * unacknowledged events) and heartbeats; the transport adapter performs the actions it returns.
 */
import { LINK_HEARTBEAT_MS, LINK_PROTOCOL_VERSION, LINK_RESYNC_MS, LINK_SILENCE_MS, LinkCloseCodes, type AgentFrame, type AgentKind, type CommandResult, type HubFrame, type LinkAccepts, type LinkCommand, type LinkEvent, type LinkRead, type ReadResult, type SourceMoved } from '@trueup/api';

/** An event waiting in the agent's outbox, numbered by it. */
export interface OutboxEntry {
  seq: number;
  at: number;
  event: LinkEvent;
}

/** Events sent and not yet acknowledged, at most. */
export const SEND_WINDOW = 128;

export interface AgentSessionState {
  phase: 'hello' | 'streaming' | 'closed';
  /** Highest sequence number the hub acknowledged. */
  ackedSeq: number;
  /** Sequence numbers sent and not yet acknowledged, ascending. */
  inflight: number[];
  lastHeardAt: number;
  lastSentAt: number;
  /** When the digests were last offered (hello or resync). */
  lastResyncAt: number;
  /** The period the hub asked for in its welcome (until then LINK_HEARTBEAT_MS): heartbeats leave this often, and a hub silent three times as long is gone. */
  heartbeatMs?: number;
  /** Hub frames announced in the hello; with `source-moved` the agent catches up at each welcome (ADR 30). */
  accepts: readonly LinkAccepts[];
}

/** A hub's welcome may ask for heartbeats this often at least (a shorter period would be noise). */
export const MIN_HEARTBEAT_MS = 250;

export type AgentSessionInput =
  | { type: 'frame'; now: number; frame: HubFrame }
  /** The outbox's entries after `ackedSeq`, ascending: the machine sends what fits the window. */
  | { type: 'pending'; now: number; entries: readonly OutboxEntry[] }
  | { type: 'command-done'; now: number; id: string; result: CommandResult }
  | { type: 'read-done'; now: number; id: string; result: ReadResult }
  /** The digests the adapter gathered for a periodic resync. */
  | { type: 'digests'; now: number; digests: Record<string, string> }
  | { type: 'tick'; now: number };

export type AgentSessionAction =
  | { type: 'send'; frame: AgentFrame }
  | { type: 'close'; code: number; reason: string }
  /** Make sure the outbox holds a current status of each named application, then feed `pending`. */
  | { type: 'resync'; want: string[]; ackedSeq: number; gitPollMs?: number }
  /** Drop outbox entries up to `seq`, then feed `pending`. */
  | { type: 'acked'; seq: number }
  | { type: 'run-command'; command: LinkCommand }
  /** Read one object for the hub (changes nothing), then feed `read-done`. */
  | { type: 'run-read'; read: LinkRead }
  /** Time for the periodic resync: gather the digests and feed `digests`. */
  | { type: 'gather-digests' }
  /** The hub asked again for these applications: make sure a current status of each is queued, then feed `pending`. */
  | { type: 'want'; want: string[] }
  /** A followed Git ref moved: refresh every application that reads it (ADR 30). */
  | { type: 'source-moved'; source: SourceMoved }
  /**
   * Linked again (or for the first time): the hub tells no agent of what moved while it was away,
   * so refresh every application that is not in a pass already (ADR 30).
   */
  | { type: 'catch-up' };

export interface Step {
  state: AgentSessionState;
  actions: AgentSessionAction[];
}

/** A new session on an open socket: the hello goes first. */
export function openAgentSession(now: number, agentVersion: string, digests: Record<string, string>, kinds: readonly AgentKind[] = [], accepts: readonly LinkAccepts[] = []): Step {
  return {
    state: { phase: 'hello', ackedSeq: 0, inflight: [], lastHeardAt: now, lastSentAt: now, lastResyncAt: now, accepts },
    actions: [{ type: 'send', frame: { type: 'hello', protocol: LINK_PROTOCOL_VERSION, agentVersion, ...(kinds.length === 0 ? {} : { kinds: [...kinds] }), ...(accepts.length === 0 ? {} : { accepts: [...accepts] }), digests } }],
  };
}

export function stepAgentSession(state: AgentSessionState, input: AgentSessionInput): Step {
  if (state.phase === 'closed') return { state, actions: [] };
  switch (input.type) {
    case 'frame':
      return onFrame({ ...state, lastHeardAt: input.now }, input.frame);
    case 'pending':
      return onPending(state, input.now, input.entries);
    case 'command-done':
      return sent(state, input.now, [{ type: 'send', frame: { type: 'command-result', id: input.id, result: input.result } }]);
    case 'read-done':
      return sent(state, input.now, [{ type: 'send', frame: { type: 'read-result', id: input.id, result: input.result } }]);
    case 'digests':
      if (state.phase !== 'streaming') return { state, actions: [] };
      return sent(state, input.now, [{ type: 'send', frame: { type: 'resync', digests: input.digests } }]);
    case 'tick':
      if (input.now - state.lastHeardAt >= silenceMs(state)) return close(state, LinkCloseCodes.silent, 'the hub sent nothing, not even a heartbeat');
      if (state.phase === 'streaming' && input.now - state.lastResyncAt >= LINK_RESYNC_MS) return { state: { ...state, lastResyncAt: input.now }, actions: [{ type: 'gather-digests' }] };
      if (input.now - state.lastSentAt >= (state.heartbeatMs ?? LINK_HEARTBEAT_MS)) return sent(state, input.now, [{ type: 'send', frame: { type: 'heartbeat', at: input.now } }]);
      return { state, actions: [] };
  }
}

/** How long the hub may say nothing: three of its heartbeat periods (LINK_SILENCE_MS before its welcome). */
function silenceMs(state: AgentSessionState): number {
  return state.heartbeatMs === undefined ? LINK_SILENCE_MS : 3 * state.heartbeatMs;
}

function onFrame(state: AgentSessionState, frame: HubFrame): Step {
  if (state.phase === 'hello') {
    if (frame.type !== 'welcome') return close(state, LinkCloseCodes.protocolError, `expected welcome, got ${frame.type}`);
    if (frame.protocol !== LINK_PROTOCOL_VERSION) return close(state, LinkCloseCodes.unsupportedVersion, `hub speaks link protocol ${frame.protocol}, agent ${LINK_PROTOCOL_VERSION}`);
    const heartbeatMs = Math.min(LINK_HEARTBEAT_MS, Math.max(MIN_HEARTBEAT_MS, frame.heartbeatMs));
    const resync: AgentSessionAction = { type: 'resync', want: frame.want, ackedSeq: frame.ackedSeq, ...(frame.gitPollMs === undefined ? {} : { gitPollMs: frame.gitPollMs }) };
    return { state: { ...state, phase: 'streaming', ackedSeq: frame.ackedSeq, inflight: [], heartbeatMs }, actions: state.accepts.includes('source-moved') ? [resync, { type: 'catch-up' }] : [resync] };
  }
  switch (frame.type) {
    case 'welcome':
      return close(state, LinkCloseCodes.protocolError, 'welcome received twice');
    case 'ack': {
      if (frame.seq <= state.ackedSeq) return { state, actions: [] };
      return { state: { ...state, ackedSeq: frame.seq, inflight: state.inflight.filter((seq) => seq > frame.seq) }, actions: [{ type: 'acked', seq: frame.seq }] };
    }
    case 'command':
      return { state, actions: [{ type: 'run-command', command: frame.command }] };
    case 'read':
      return { state, actions: [{ type: 'run-read', read: frame.read }] };
    case 'want':
      return { state, actions: [{ type: 'want', want: frame.want }] };
    case 'source-moved':
      // The hub sends it only to an agent that announced it; any other agent says so and closes.
      if (!state.accepts.includes('source-moved')) return close(state, LinkCloseCodes.protocolError, 'source-moved was not announced in the hello');
      return { state, actions: [{ type: 'source-moved', source: frame.source }] };
    case 'heartbeat':
      return { state, actions: [] };
  }
}

function onPending(state: AgentSessionState, now: number, entries: readonly OutboxEntry[]): Step {
  if (state.phase !== 'streaming') return { state, actions: [] };
  const last = state.inflight.at(-1) ?? state.ackedSeq;
  const room = SEND_WINDOW - state.inflight.length;
  const next = entries.filter((entry) => entry.seq > last).slice(0, Math.max(0, room));
  if (next.length === 0) return { state, actions: [] };
  const inflight = [...state.inflight, ...next.map((entry) => entry.seq)];
  return sent({ ...state, inflight }, now, next.map((entry) => ({ type: 'send', frame: { type: 'event', seq: entry.seq, at: entry.at, event: entry.event } })));
}

function sent(state: AgentSessionState, now: number, actions: AgentSessionAction[]): Step {
  return { state: { ...state, lastSentAt: now }, actions };
}

function close(state: AgentSessionState, code: number, reason: string): Step {
  return { state: { ...state, phase: 'closed' }, actions: [{ type: 'close', code, reason }] };
}
