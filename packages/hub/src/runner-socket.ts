/**
 * One runner's WebSocket at the hub: frames parsed and checked, the hello first and in the
 * protocol this hub speaks, then every frame handed on; anything else closes the link with why.
 */
import { LinkCloseCodes, parseFrame, RUNNER_LINK_PROTOCOL_VERSION, RunnerFrameSchema, type RunnerFrame } from '@trueup/api';
import { rawText } from '@trueup/link';
import type WebSocket from 'ws';

export interface RunnerSocketHandlers<Session> {
  hello(frame: Extract<RunnerFrame, { type: 'hello' }>): Session;
  frame(session: Session, frame: RunnerFrame): void;
  /** The socket closed after its hello. */
  closed(session: Session): void;
}

export function serveRunnerSocket<Session>(socket: WebSocket, handlers: RunnerSocketHandlers<Session>): void {
  let session: Session | undefined;
  const close = (code: number, reason: string): void => socket.close(code, reason.slice(0, 120));
  socket.on('message', (data, isBinary) => {
    if (isBinary) return close(LinkCloseCodes.protocolError, 'binary frames are not spoken');
    const parsed = parseFrame(RunnerFrameSchema, rawText(data));
    if (!parsed.ok) return close(LinkCloseCodes.protocolError, parsed.reason);
    const frame = parsed.frame;
    if (session !== undefined) return handlers.frame(session, frame);
    if (frame.type !== 'hello') return close(LinkCloseCodes.protocolError, `expected hello, got ${frame.type}`);
    if (frame.protocol !== RUNNER_LINK_PROTOCOL_VERSION) return close(LinkCloseCodes.unsupportedVersion, `runner speaks protocol ${frame.protocol}, hub ${RUNNER_LINK_PROTOCOL_VERSION}`);
    session = handlers.hello(frame);
  });
  socket.on('error', () => close(LinkCloseCodes.protocolError, 'socket error'));
  socket.on('close', () => {
    if (session !== undefined) handlers.closed(session);
  });
}
