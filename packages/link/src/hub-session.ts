/**
 * The hub's side of a link session as a pure state machine: it waits for hello, asks the
 * adapter to compute the resync (what the hub lacks), then stores events once each by sequence
 * number, acknowledges them, relays commands and keeps heartbeats.
 */
import { LINK_HEARTBEAT_MS, LINK_PROTOCOL_VERSION, LINK_SILENCE_MS, LinkCloseCodes, type AgentFrame, type AgentKind, type CommandResult, type HubFrame, type LinkAccepts, type LinkCommand, type LinkEvent, type LinkRead, type ReadResult, type SourceMoved } from '@trueup/api';

export interface HubSessionState {
  phase: 'hello' | 'resync' | 'streaming' | 'closed';
  environment: string;
  /** Highest sequence number received (stored or being stored). */
  receivedSeq: number;
  lastHeardAt: number;
  lastSentAt: number;
  /** Told in the welcome: how often the hub polls the repositories it can read (absent: it does not). */
  gitPollMs?: number;
  /** Told in the welcome: how often each side sends at least a heartbeat (absent: LINK_HEARTBEAT_MS); an agent silent three times as long is cut. */
  heartbeatMs?: number;
  /** What the agent's hello announced it understands beyond protocol 1 (ADR 30). */
  accepts: LinkAccepts[];
}

export type HubSessionInput =
  | { type: 'frame'; now: number; frame: AgentFrame }
  /** The adapter's answer to `resync`: the hub's stored high-water mark and what it lacks. */
  | { type: 'resync-ready'; now: number; ackedSeq: number; want: string[] }
  /** The adapter's answer to a periodic `resync`. */
  | { type: 'want-ready'; now: number; want: string[] }
  | { type: 'stored'; now: number; seq: number }
  | { type: 'command'; now: number; command: LinkCommand }
  | { type: 'read'; now: number; read: LinkRead }
  /** A followed ref moved: sent only to an agent that accepts it, while streaming. */
  | { type: 'source-moved'; now: number; source: SourceMoved }
  | { type: 'tick'; now: number };

export type HubSessionAction =
  | { type: 'send'; frame: HubFrame }
  | { type: 'close'; code: number; reason: string }
  /** Compare the agent's digests with the store; feed `resync-ready` (at hello) or `want-ready` (periodic). */
  | { type: 'resync'; digests: Record<string, string>; periodic: boolean }
  /** The agent's hello: its version and what it deploys to, for the environment's record. */
  | { type: 'agent-info'; version: string; kinds: AgentKind[]; accepts: LinkAccepts[] }
  /** Store this event (idempotent by environment and seq), then feed `stored`. */
  | { type: 'store'; seq: number; at: number; event: LinkEvent }
  | { type: 'command-result'; id: string; result: CommandResult }
  | { type: 'read-result'; id: string; result: ReadResult }
  /** The session streams: send the commands queued while the agent was away. */
  | { type: 'deliver-queued' };

export interface HubStep {
  state: HubSessionState;
  actions: HubSessionAction[];
}

export function openHubSession(now: number, environment: string, gitPollMs?: number, heartbeatMs?: number): HubSessionState {
  return { phase: 'hello', environment, receivedSeq: 0, accepts: [], lastHeardAt: now, lastSentAt: now, ...(gitPollMs === undefined || gitPollMs <= 0 ? {} : { gitPollMs }), ...(heartbeatMs === undefined ? {} : { heartbeatMs }) };
}

export function stepHubSession(state: HubSessionState, input: HubSessionInput): HubStep {
  if (state.phase === 'closed') return { state, actions: [] };
  switch (input.type) {
    case 'frame':
      return onFrame({ ...state, lastHeardAt: input.now }, input.frame);
    case 'resync-ready': {
      if (state.phase !== 'resync') return { state, actions: [] };
      const welcome: HubFrame = { type: 'welcome', protocol: LINK_PROTOCOL_VERSION, environment: state.environment, ackedSeq: input.ackedSeq, want: input.want, heartbeatMs: state.heartbeatMs ?? LINK_HEARTBEAT_MS, ...(state.gitPollMs === undefined ? {} : { gitPollMs: state.gitPollMs }) };
      return { state: { ...state, phase: 'streaming', receivedSeq: input.ackedSeq, lastSentAt: input.now }, actions: [{ type: 'send', frame: welcome }, { type: 'deliver-queued' }] };
    }
    case 'want-ready':
      if (state.phase !== 'streaming') return { state, actions: [] };
      return { state: { ...state, lastSentAt: input.now }, actions: [{ type: 'send', frame: { type: 'want', want: input.want } }] };
    case 'stored':
      return { state: { ...state, lastSentAt: input.now }, actions: [{ type: 'send', frame: { type: 'ack', seq: input.seq } }] };
    case 'command':
      if (state.phase !== 'streaming') return { state, actions: [] };
      return { state: { ...state, lastSentAt: input.now }, actions: [{ type: 'send', frame: { type: 'command', command: input.command } }] };
    case 'read':
      if (state.phase !== 'streaming') return { state, actions: [] };
      return { state: { ...state, lastSentAt: input.now }, actions: [{ type: 'send', frame: { type: 'read', read: input.read } }] };
    case 'source-moved':
      if (state.phase !== 'streaming' || !state.accepts.includes('source-moved')) return { state, actions: [] };
      return { state: { ...state, lastSentAt: input.now }, actions: [{ type: 'send', frame: { type: 'source-moved', source: input.source } }] };
    case 'tick':
      if (input.now - state.lastHeardAt >= (state.heartbeatMs === undefined ? LINK_SILENCE_MS : 3 * state.heartbeatMs)) return close(state, LinkCloseCodes.silent, 'the agent sent nothing, not even a heartbeat');
      if (state.phase === 'streaming' && input.now - state.lastSentAt >= (state.heartbeatMs ?? LINK_HEARTBEAT_MS)) {
        return { state: { ...state, lastSentAt: input.now }, actions: [{ type: 'send', frame: { type: 'heartbeat', at: input.now } }] };
      }
      return { state, actions: [] };
  }
}

function onFrame(state: HubSessionState, frame: AgentFrame): HubStep {
  if (state.phase === 'hello') {
    if (frame.type !== 'hello') return close(state, LinkCloseCodes.protocolError, `expected hello, got ${frame.type}`);
    if (frame.protocol !== LINK_PROTOCOL_VERSION) return close(state, LinkCloseCodes.unsupportedVersion, `agent speaks link protocol ${frame.protocol}, hub ${LINK_PROTOCOL_VERSION}`);
    const accepts = frame.accepts ?? [];
    return { state: { ...state, phase: 'resync', accepts }, actions: [{ type: 'agent-info', version: frame.agentVersion, kinds: frame.kinds ?? [], accepts }, { type: 'resync', digests: frame.digests, periodic: false }] };
  }
  if (frame.type === 'hello') return close(state, LinkCloseCodes.protocolError, 'hello received twice');
  if (state.phase === 'resync') {
    if (frame.type === 'heartbeat') return { state, actions: [] };
    return close(state, LinkCloseCodes.protocolError, `${frame.type} before welcome`);
  }
  switch (frame.type) {
    case 'event':
      // A sequence number at or below the high-water mark was stored before: acknowledge again.
      if (frame.seq <= state.receivedSeq) return { state, actions: [{ type: 'send', frame: { type: 'ack', seq: state.receivedSeq } }] };
      return { state: { ...state, receivedSeq: frame.seq }, actions: [{ type: 'store', seq: frame.seq, at: frame.at, event: frame.event }] };
    case 'command-result':
      return { state, actions: [{ type: 'command-result', id: frame.id, result: frame.result }] };
    case 'read-result':
      return { state, actions: [{ type: 'read-result', id: frame.id, result: frame.result }] };
    case 'resync':
      return { state, actions: [{ type: 'resync', digests: frame.digests, periodic: true }] };
    case 'heartbeat':
      return { state, actions: [] };
  }
}

function close(state: HubSessionState, code: number, reason: string): HubStep {
  return { state: { ...state, phase: 'closed' }, actions: [{ type: 'close', code, reason }] };
}
