/**
 * What adoption asks of an object's agent: pause or resume self-heal of one object (recorded like
 * the pause route's commands, waited for), and a read of the object (live and desired).
 */
import type { ReadResult } from '@trueup/api';
import type { HubDeps } from './deps.ts';
import { HubErrors } from './errors.ts';
import { randomId } from './secrets.ts';

export const AGENT_ANSWER_MS = 30_000;

/** Sends pause or resume of one object to the agent, recorded like the pause route's, and waits for its result. */
export async function agentCommand(deps: HubDeps, environment: string, application: string, requestedBy: string, verb: 'pause' | 'resume', object: string): Promise<void> {
  const id = randomId();
  const command = { id, verb, application, requestedBy, object };
  await deps.store.commands.create(command, environment, requestedBy, deps.now());
  deps.metrics.commands.inc({ verb });
  const result = deps.links.waitForResult(id, AGENT_ANSWER_MS);
  await deps.links.deliver(environment, command);
  await result;
  const record = await deps.store.commands.get(id);
  if (record?.state !== 'succeeded') throw HubErrors.create('HUB_AGENT_FAILED', `the agent did not ${verb} self-heal of "${object}": ${record?.state ?? 'no answer'}${record?.result?.message === undefined ? '' : ` (${String(record.result.message)})`}`);
}

/** The object as its agent has it: live and desired. */
export async function readObject(deps: HubDeps, environment: string, application: string, object: string): Promise<Extract<ReadResult, { what: 'object' }>> {
  const read = await deps.links.read(environment, { id: randomId(), application, object, what: 'object' }, AGENT_ANSWER_MS);
  if (read === undefined) throw HubErrors.create('HUB_AGENT_TIMEOUT', `the agent of "${environment}" did not answer the read of "${object}"`);
  if (read.what !== 'object') throw HubErrors.create('HUB_AGENT_FAILED', read.what === 'error' ? `${read.code}: ${read.message}` : 'unexpected answer');
  return read;
}
