/** For CLI tests against a real hub with a real host agent joined to it as environment `prod`. */
import type { TestContext } from 'node:test';
import { startAgent, type Agent } from '@trueup/agent';
import type { HubClient } from '@trueup/hub';
import { agentFixture, type AgentFixture } from '@trueup/testkit';
import { adminCliArgs, startTestHub, writeJoinToken, type TestHub } from '@trueup/testkit/hub';
import { lastInFirstOut } from '@trueup/testkit/teardown';

export interface HubWithHostAgent {
  /** Teardown in reverse order of setup; the hub and the fixture are already on it. */
  defer: (fn: () => unknown) => void;
  testHub: TestHub;
  client: HubClient;
  fixture: AgentFixture;
  /** The CLI's flags that reach the hub as its administrator. */
  hubArgs: string[];
  /** Starts a host agent on the fixture, joined to the hub; the caller stops it (`defer`). */
  startJoinedAgent: () => Promise<Agent>;
}

/** A hub, and a host agent fixture of `files` with a join token for environment `prod`. */
export async function hubWithHostAgent(t: TestContext, files: Record<string, string>): Promise<HubWithHostAgent> {
  const defer = lastInFirstOut(t);
  const testHub = await startTestHub();
  defer(() => testHub.stop());
  const { client } = testHub;
  const fixture = await agentFixture({ files });
  defer(() => fixture.cleanup());
  const joinTokenFile = await writeJoinToken(client, fixture.dir, 'prod');
  const startJoinedAgent = (): Promise<Agent> => startAgent({ stateDir: fixture.stateDir, paths: [fixture.appFile], listen: '127.0.0.1:0', onEvent: (e) => fixture.onEvent(e), hub: { joinTokenFile } });
  return { defer, testHub, client, fixture, hubArgs: adminCliArgs(testHub), startJoinedAgent };
}
