import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LINK_HEARTBEAT_MS, LINK_RESYNC_MS, LINK_SILENCE_MS, LinkCloseCodes, type HubFrame, type LinkEvent } from '@trueup/api';
import { openAgentSession, SEND_WINDOW, stepAgentSession, type AgentSessionInput, type AgentSessionState, type OutboxEntry } from './agent-session.ts';
import { openHubSession, stepHubSession, type HubSessionInput, type HubSessionState } from './hub-session.ts';
import { reconnectDelay, RECONNECT_MAX_MS } from './backoff.ts';

const digest = 'a'.repeat(64);
const event = (application: string): LinkEvent => ({ kind: 'removed', application });
const entry = (seq: number): OutboxEntry => ({ seq, at: 1000 + seq, event: event(`app-${seq}`) });
const welcome = (ackedSeq: number, want: string[] = [], heartbeatMs = LINK_HEARTBEAT_MS): HubFrame => ({ type: 'welcome', protocol: 1, environment: 'prod', ackedSeq, want, heartbeatMs });

test('the hello names what the agent deploys to, when it knows', () => {
  assert.deepEqual(openAgentSession(0, '1.2.3', {}, ['host', 'kubernetes']).actions, [{ type: 'send', frame: { type: 'hello', protocol: 1, agentVersion: '1.2.3', kinds: ['host', 'kubernetes'], digests: {} } }]);
  assert.deepEqual(openAgentSession(0, '1.2.3', {}, []).actions, [{ type: 'send', frame: { type: 'hello', protocol: 1, agentVersion: '1.2.3', digests: {} } }]);
});

function runAgent(inputs: AgentSessionInput[]): { state: AgentSessionState; actions: unknown[] } {
  let { state, actions } = openAgentSession(0, 'test', { web: digest });
  const all: unknown[] = [...actions];
  for (const input of inputs) {
    ({ state, actions } = stepAgentSession(state, input));
    all.push(...actions);
  }
  return { state, actions: all };
}

test('agent session', async (t) => {
  const cases: { name: string; inputs: AgentSessionInput[]; phase: AgentSessionState['phase']; ackedSeq?: number; inflight?: number[]; last: unknown }[] = [
    { name: 'hello first', inputs: [], phase: 'hello', last: { type: 'send', frame: { type: 'hello', protocol: 1, agentVersion: 'test', digests: { web: digest } } } },
    { name: 'welcome starts the resync from the hub\'s high-water mark', inputs: [{ type: 'frame', now: 1, frame: welcome(7, ['web']) }], phase: 'streaming', ackedSeq: 7, last: { type: 'resync', want: ['web'], ackedSeq: 7 } },
    { name: 'an ack before welcome is a protocol error', inputs: [{ type: 'frame', now: 1, frame: { type: 'ack', seq: 3 } }], phase: 'closed', last: { type: 'close', code: LinkCloseCodes.protocolError, reason: 'expected welcome, got ack' } },
    { name: 'another protocol version closes', inputs: [{ type: 'frame', now: 1, frame: { ...welcome(0), protocol: 2 } as HubFrame }], phase: 'closed', last: { type: 'close', code: LinkCloseCodes.unsupportedVersion, reason: 'hub speaks link protocol 2, agent 1' } },
    { name: 'pending events are sent once, after the acked ones', inputs: [{ type: 'frame', now: 1, frame: welcome(2) }, { type: 'pending', now: 2, entries: [entry(3), entry(5)] }, { type: 'pending', now: 3, entries: [entry(3), entry(5)] }], phase: 'streaming', inflight: [3, 5], last: { type: 'send', frame: { type: 'event', seq: 5, at: 1005, event: event('app-5') } } },
    { name: 'pending before welcome sends nothing', inputs: [{ type: 'pending', now: 2, entries: [entry(1)] }], phase: 'hello', last: { type: 'send', frame: { type: 'hello', protocol: 1, agentVersion: 'test', digests: { web: digest } } } },
    { name: 'an ack drops what it covers and asks for more', inputs: [{ type: 'frame', now: 1, frame: welcome(0) }, { type: 'pending', now: 2, entries: [entry(1), entry(2), entry(4)] }, { type: 'frame', now: 3, frame: { type: 'ack', seq: 2 } }], phase: 'streaming', ackedSeq: 2, inflight: [4], last: { type: 'acked', seq: 2 } },
    { name: 'an old ack changes nothing', inputs: [{ type: 'frame', now: 1, frame: welcome(5) }, { type: 'frame', now: 3, frame: { type: 'ack', seq: 4 } }], phase: 'streaming', ackedSeq: 5, last: { type: 'resync', want: [], ackedSeq: 5 } },
    { name: 'a command is run, its result sent', inputs: [{ type: 'frame', now: 1, frame: welcome(0) }, { type: 'frame', now: 2, frame: { type: 'command', command: { id: 'c1', verb: 'refresh', application: 'web' } } }, { type: 'command-done', now: 3, id: 'c1', result: { ok: true, message: 'done' } }], phase: 'streaming', last: { type: 'send', frame: { type: 'command-result', id: 'c1', result: { ok: true, message: 'done' } } } },
    { name: 'a read is run, its answer sent', inputs: [{ type: 'frame', now: 1, frame: welcome(0) }, { type: 'frame', now: 2, frame: { type: 'read', read: { id: 'r1', application: 'web', object: 'v1/ConfigMap/ns/x', what: 'object' } } }], phase: 'streaming', last: { type: 'run-read', read: { id: 'r1', application: 'web', object: 'v1/ConfigMap/ns/x', what: 'object' } } },
    { name: 'a read\'s answer is sent', inputs: [{ type: 'frame', now: 1, frame: welcome(0) }, { type: 'read-done', now: 3, id: 'r1', result: { what: 'error', code: 'AGENT_OBJECT_UNKNOWN', message: 'none' } }], phase: 'streaming', last: { type: 'send', frame: { type: 'read-result', id: 'r1', result: { what: 'error', code: 'AGENT_OBJECT_UNKNOWN', message: 'none' } } } },
    { name: 'heartbeat when idle for the period', inputs: [{ type: 'frame', now: 1, frame: welcome(0) }, { type: 'tick', now: LINK_HEARTBEAT_MS }], phase: 'streaming', last: { type: 'send', frame: { type: 'heartbeat', at: LINK_HEARTBEAT_MS } } },
    { name: 'a silent hub closes the session', inputs: [{ type: 'frame', now: 1, frame: welcome(0) }, { type: 'tick', now: 1 + LINK_SILENCE_MS }], phase: 'closed', last: { type: 'close', code: LinkCloseCodes.silent, reason: 'the hub sent nothing, not even a heartbeat' } },
    { name: 'the welcome\'s heartbeat period is kept', inputs: [{ type: 'frame', now: 1, frame: welcome(0, [], 2000) }, { type: 'tick', now: 1999 }, { type: 'tick', now: 2001 }], phase: 'streaming', last: { type: 'send', frame: { type: 'heartbeat', at: 2001 } } },
    { name: 'a hub silent three of its heartbeat periods closes the session', inputs: [{ type: 'frame', now: 1, frame: welcome(0, [], 2000) }, { type: 'frame', now: 2, frame: { type: 'heartbeat', at: 2 } }, { type: 'tick', now: 6001 }, { type: 'tick', now: 6002 }], phase: 'closed', last: { type: 'close', code: LinkCloseCodes.silent, reason: 'the hub sent nothing, not even a heartbeat' } },
    { name: 'a welcome\'s period below the floor is raised to it', inputs: [{ type: 'frame', now: 1, frame: welcome(0, [], 1) }, { type: 'tick', now: 100 }, { type: 'tick', now: 251 }], phase: 'streaming', last: { type: 'send', frame: { type: 'heartbeat', at: 251 } } },
    { name: 'every resync period the digests are gathered', inputs: [{ type: 'frame', now: 1, frame: welcome(0) }, { type: 'frame', now: LINK_RESYNC_MS - 1, frame: { type: 'heartbeat', at: 1 } }, { type: 'tick', now: LINK_RESYNC_MS }], phase: 'streaming', last: { type: 'gather-digests' } },
    { name: 'gathered digests are offered to the hub', inputs: [{ type: 'frame', now: 1, frame: welcome(0) }, { type: 'digests', now: 2, digests: { web: digest } }], phase: 'streaming', last: { type: 'send', frame: { type: 'resync', digests: { web: digest } } } },
    { name: 'the hub\'s want is passed on', inputs: [{ type: 'frame', now: 1, frame: welcome(0) }, { type: 'frame', now: 2, frame: { type: 'want', want: ['web'] } }], phase: 'streaming', last: { type: 'want', want: ['web'] } },
    { name: 'a closed session ignores input', inputs: [{ type: 'tick', now: LINK_SILENCE_MS }, { type: 'frame', now: 1, frame: welcome(0) }], phase: 'closed', last: { type: 'close', code: LinkCloseCodes.silent, reason: 'the hub sent nothing, not even a heartbeat' } },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const { state, actions } = runAgent(c.inputs);
      assert.equal(state.phase, c.phase);
      if (c.ackedSeq !== undefined) assert.equal(state.ackedSeq, c.ackedSeq);
      if (c.inflight !== undefined) assert.deepEqual(state.inflight, c.inflight);
      assert.deepEqual(actions.at(-1), c.last);
    });
  }
});

test('agent session: no more than the window is unacknowledged', () => {
  const entries = Array.from({ length: SEND_WINDOW + 10 }, (_, i) => entry(i + 1));
  const { state, actions } = runAgent([{ type: 'frame', now: 1, frame: welcome(0) }, { type: 'pending', now: 2, entries }]);
  assert.equal(state.inflight.length, SEND_WINDOW);
  assert.equal(actions.filter((a) => (a as { type: string }).type === 'send').length, SEND_WINDOW + 1);
  const after = stepAgentSession(stepAgentSession(state, { type: 'frame', now: 3, frame: { type: 'ack', seq: 10 } }).state, { type: 'pending', now: 4, entries: entries.slice(10) });
  assert.deepEqual(after.actions.map((a) => a.type === 'send' && a.frame.type === 'event' ? a.frame.seq : 0), [129, 130, 131, 132, 133, 134, 135, 136, 137, 138]);
});

function runHub(inputs: HubSessionInput[]): { state: HubSessionState; actions: unknown[] } {
  let state = openHubSession(0, 'prod');
  const all: unknown[] = [];
  for (const input of inputs) {
    const step = stepHubSession(state, input);
    state = step.state;
    all.push(...step.actions);
  }
  return { state, actions: all };
}

const hello: HubSessionInput = { type: 'frame', now: 1, frame: { type: 'hello', protocol: 1, agentVersion: 'x', kinds: ['kubernetes'], digests: { web: digest } } };
const info = { type: 'agent-info', version: 'x', kinds: ['kubernetes'], accepts: [] } as const;
const ready = (ackedSeq: number): HubSessionInput => ({ type: 'resync-ready', now: 2, ackedSeq, want: ['web'] });
const ev = (seq: number): HubSessionInput => ({ type: 'frame', now: 3, frame: { type: 'event', seq, at: 5, event: event('web') } });

test('hub session', async (t) => {
  const cases: { name: string; inputs: HubSessionInput[]; phase: HubSessionState['phase']; want: unknown[] }[] = [
    { name: 'hello asks for the resync', inputs: [hello], phase: 'resync', want: [info, { type: 'resync', digests: { web: digest }, periodic: false }] },
    { name: 'an event before hello closes', inputs: [ev(1)], phase: 'closed', want: [{ type: 'close', code: LinkCloseCodes.protocolError, reason: 'expected hello, got event' }] },
    { name: 'another protocol version closes', inputs: [{ type: 'frame', now: 1, frame: { type: 'hello', protocol: 9, agentVersion: 'x', digests: {} } }], phase: 'closed', want: [{ type: 'close', code: LinkCloseCodes.unsupportedVersion, reason: 'agent speaks link protocol 9, hub 1' }] },
    { name: 'an event before welcome closes', inputs: [hello, ev(1)], phase: 'closed', want: [info, { type: 'resync', digests: { web: digest }, periodic: false }, { type: 'close', code: LinkCloseCodes.protocolError, reason: 'event before welcome' }] },
    { name: 'welcome then queued commands', inputs: [hello, ready(4)], phase: 'streaming', want: [info, { type: 'resync', digests: { web: digest }, periodic: false }, { type: 'send', frame: { type: 'welcome', protocol: 1, environment: 'prod', ackedSeq: 4, want: ['web'], heartbeatMs: LINK_HEARTBEAT_MS } }, { type: 'deliver-queued' }] },
    { name: 'a new event is stored, then acknowledged', inputs: [hello, ready(4), ev(6), { type: 'stored', now: 4, seq: 6 }], phase: 'streaming', want: [{ type: 'store', seq: 6, at: 5, event: event('web') }, { type: 'send', frame: { type: 'ack', seq: 6 } }] },
    { name: 'a replayed event is acknowledged, not stored', inputs: [hello, ready(4), ev(3)], phase: 'streaming', want: [{ type: 'send', frame: { type: 'ack', seq: 4 } }] },
    { name: 'a second hello closes', inputs: [hello, ready(0), hello], phase: 'closed', want: [{ type: 'close', code: LinkCloseCodes.protocolError, reason: 'hello received twice' }] },
    { name: 'a command waits for streaming', inputs: [hello, { type: 'command', now: 2, command: { id: 'c', verb: 'sync', application: 'web' } }], phase: 'resync', want: [info, { type: 'resync', digests: { web: digest }, periodic: false }] },
    { name: 'a command result is passed on', inputs: [hello, ready(0), { type: 'frame', now: 3, frame: { type: 'command-result', id: 'c', result: { ok: false, code: 'X', message: 'no' } } }], phase: 'streaming', want: [{ type: 'command-result', id: 'c', result: { ok: false, code: 'X', message: 'no' } }] },
    { name: 'a periodic resync is answered with want', inputs: [hello, ready(0), { type: 'frame', now: 3, frame: { type: 'resync', digests: { web: digest } } }, { type: 'want-ready', now: 4, want: ['web'] }], phase: 'streaming', want: [{ type: 'resync', digests: { web: digest }, periodic: true }, { type: 'send', frame: { type: 'want', want: ['web'] } }] },
    { name: 'a read waits for streaming', inputs: [hello, { type: 'read', now: 2, read: { id: 'r', application: 'web', object: 'k', what: 'children' } }], phase: 'resync', want: [info, { type: 'resync', digests: { web: digest }, periodic: false }] },
    { name: 'a read is sent while streaming', inputs: [hello, ready(0), { type: 'read', now: 2, read: { id: 'r', application: 'web', object: 'k', what: 'children' } }], phase: 'streaming', want: [{ type: 'send', frame: { type: 'read', read: { id: 'r', application: 'web', object: 'k', what: 'children' } } }] },
    { name: 'a read\'s answer is passed on', inputs: [hello, ready(0), { type: 'frame', now: 3, frame: { type: 'read-result', id: 'r', result: { what: 'children', key: 'k', items: [] } } }], phase: 'streaming', want: [{ type: 'read-result', id: 'r', result: { what: 'children', key: 'k', items: [] } }] },
    { name: 'a silent agent is closed', inputs: [hello, ready(0), { type: 'tick', now: 1 + LINK_SILENCE_MS }], phase: 'closed', want: [{ type: 'close', code: LinkCloseCodes.silent, reason: 'the agent sent nothing, not even a heartbeat' }] },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const { state, actions } = runHub(c.inputs);
      assert.equal(state.phase, c.phase);
      assert.deepEqual(actions.slice(-c.want.length), c.want);
    });
  }
});

const moved = { repoURL: 'https://git.example/ops/config.git', ref: 'refs/heads/main', revision: 'a'.repeat(40) };

test('agent session with source-moved announced: said in the hello, each welcome catches up, the frame is passed on', () => {
  let { state, actions } = openAgentSession(0, 'test', {}, [], ['source-moved']);
  const all: unknown[] = [...actions];
  for (const input of [{ type: 'frame', now: 1, frame: welcome(3) }, { type: 'frame', now: 2, frame: { type: 'source-moved', source: moved } }] as AgentSessionInput[]) {
    ({ state, actions } = stepAgentSession(state, input));
    all.push(...actions);
  }
  assert.deepEqual(all, [
    { type: 'send', frame: { type: 'hello', protocol: 1, agentVersion: 'test', accepts: ['source-moved'], digests: {} } },
    { type: 'resync', want: [], ackedSeq: 3 },
    { type: 'catch-up' },
    { type: 'source-moved', source: moved },
  ]);
});

test('agent session without the announcement: no catch-up at the welcome, and a source-moved is a protocol error', () => {
  const { state, actions } = runAgent([{ type: 'frame', now: 1, frame: welcome(0) }, { type: 'frame', now: 2, frame: { type: 'source-moved', source: moved } }]);
  assert.equal(state.phase, 'closed');
  assert.deepEqual(actions.slice(1), [{ type: 'resync', want: [], ackedSeq: 0 }, { type: 'close', code: LinkCloseCodes.protocolError, reason: 'source-moved was not announced in the hello' }]);
});

test('hub session: a source-moved goes only to a streaming agent that announced it', async (t) => {
  const announcing: HubSessionInput = { type: 'frame', now: 1, frame: { type: 'hello', protocol: 1, agentVersion: 'x', accepts: ['source-moved'], digests: {} } };
  const send: HubSessionInput = { type: 'source-moved', now: 3, source: moved };
  const cases: { name: string; inputs: HubSessionInput[]; want: unknown[]; accepts: string[] }[] = [
    { name: 'announced, streaming: sent', inputs: [announcing, ready(0), send], accepts: ['source-moved'], want: [{ type: 'send', frame: { type: 'source-moved', source: moved } }] },
    { name: 'the announcement reaches the environment\'s record', inputs: [announcing], accepts: ['source-moved'], want: [{ type: 'agent-info', version: 'x', kinds: [], accepts: ['source-moved'] }, { type: 'resync', digests: {}, periodic: false }] },
    { name: 'announced, before the welcome: not sent', inputs: [announcing, send], accepts: ['source-moved'], want: [{ type: 'resync', digests: {}, periodic: false }] },
    { name: 'not announced: never sent', inputs: [hello, ready(0), send], accepts: [], want: [{ type: 'deliver-queued' }] },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const { state, actions } = runHub(c.inputs);
      assert.deepEqual(state.accepts, c.accepts);
      assert.deepEqual(actions.slice(-c.want.length), c.want);
    });
  }
});

test('reconnect delays grow, jitter, and stay capped at 30 s', () => {
  assert.equal(reconnectDelay(0, 0), 500);
  assert.equal(reconnectDelay(0, 0.999), 1000);
  assert.equal(reconnectDelay(3, 0), 4000);
  for (let attempt = 0; attempt < 100; attempt += 7) {
    for (const random of [0, 0.5, 0.9999]) {
      const delay = reconnectDelay(attempt, random);
      assert.ok(delay > 0 && delay <= RECONNECT_MAX_MS, `${attempt}/${random}: ${delay}`);
    }
  }
  assert.equal(reconnectDelay(50, 0), RECONNECT_MAX_MS / 2);
});

test('hub session with its own heartbeat period: told in the welcome, sent when idle, and an agent silent three periods is closed', () => {
  let state = openHubSession(0, 'prod', undefined, 2000);
  const actions: unknown[] = [];
  for (const input of [hello, ready(0), { type: 'tick', now: 2002 }, { type: 'frame', now: 2500, frame: { type: 'heartbeat', at: 2500 } }, { type: 'tick', now: 8499 }, { type: 'tick', now: 8500 }] as HubSessionInput[]) {
    const step = stepHubSession(state, input);
    state = step.state;
    actions.push(...step.actions);
  }
  assert.deepEqual(actions, [
    info,
    { type: 'resync', digests: { web: digest }, periodic: false },
    { type: 'send', frame: { type: 'welcome', protocol: 1, environment: 'prod', ackedSeq: 0, want: ['web'], heartbeatMs: 2000 } },
    { type: 'deliver-queued' },
    { type: 'send', frame: { type: 'heartbeat', at: 2002 } },
    { type: 'send', frame: { type: 'heartbeat', at: 8499 } },
    { type: 'close', code: LinkCloseCodes.silent, reason: 'the agent sent nothing, not even a heartbeat' },
  ]);
});
