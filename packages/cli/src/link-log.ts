/** One stderr line per change of the agent's hub link. */
import type { LinkClientState } from '@trueup/link';

export function logLinkState(state: LinkClientState): void {
  switch (state.state) {
    case 'connecting':
      if (state.attempt === 0) process.stderr.write('trueup agent: connecting to the hub\n');
      return;
    case 'streaming':
      process.stderr.write(`trueup agent: linked to the hub (it holds events up to ${state.ackedSeq})\n`);
      return;
    case 'disconnected':
      process.stderr.write(`trueup agent: hub link down (${state.code}: ${state.reason}); retrying in ${Math.round(state.retryInMs / 100) / 10} s\n`);
      return;
    case 'stopped':
      return;
  }
}
