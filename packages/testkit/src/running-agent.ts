/** An agent started on an `agentFixture`, stopped and cleaned up when the test ends. */
import { startAgent, type Agent } from '@trueup/agent';
import type { ApplicationStatus } from '@trueup/api';
import { agentFixture, type AgentFixture } from './app-fixture.ts';

export interface RunningAgent {
  fixture: AgentFixture;
  agent: Agent;
  /** The status after the agent's first pass. */
  first: ApplicationStatus;
}

export async function runningAgent(t: { after: (fn: () => Promise<void>) => void }, options: Parameters<typeof agentFixture>[0]): Promise<RunningAgent> {
  const fixture = await agentFixture(options);
  const agent = await startAgent({ stateDir: fixture.stateDir, paths: [fixture.appFile], listen: '127.0.0.1:0', onEvent: (e) => fixture.onEvent(e) });
  t.after(async () => {
    await agent.stop({ stopServices: true });
    await fixture.cleanup();
  });
  const finished = await fixture.waitFor((e) => e.type === 'pass-finished');
  if (finished.type !== 'pass-finished') throw new Error('unreachable: waited for pass-finished');
  return { fixture, agent, first: finished.status };
}
