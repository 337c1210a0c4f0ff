/** `trueup refresh APP`: asks the running agent for a pass now and waits for its result. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeStatusError, type ApplicationStatus } from '@trueup/api';
import { AGENT_INFO_FILE, AgentErrors } from '@trueup/agent';
import { outputFormat, outputOption, stateDirOf, stateDirOption, type Command } from '../command.ts';
import { printJson, shortSha, withProgress } from '../output.ts';

export const refreshCommand: Command = {
  name: 'refresh',
  usage: 'trueup refresh APP [--state-dir D | --agent URL] [--no-wait] [-o json]',
  summary: 'Start a pass of the running agent now (e.g. from a Git post-receive hook).',
  options: { ...stateDirOption, ...outputOption, agent: { type: 'string' }, 'no-wait': { type: 'boolean' } },
  async run({ values, positionals }) {
    const [name] = positionals;
    if (name === undefined) throw new Error('give the application name: trueup refresh APP');
    const url = typeof values.agent === 'string' ? values.agent : await agentUrl(stateDirOf(values));
    const wait = values['no-wait'] !== true;
    const response = await withProgress(`refreshing ${name}`, fetch(`${url}/api/v1/applications/${encodeURIComponent(name)}/refresh${wait ? '?wait=true' : ''}`, { method: 'POST' }));
    const body = (await response.json()) as ApplicationStatus | { message?: string };
    if (!response.ok) throw new Error(`agent answered ${response.status}: ${'message' in body ? body.message : ''}`);
    if (outputFormat(values) === 'json') printJson(body);
    else if (wait && 'sync' in body) process.stdout.write(`${name}: ${shortSha(body.revision)} ${body.sync}/${body.health.status}${body.error === undefined ? '' : ` — ${describeStatusError(body.error)}`}\n`);
    else process.stdout.write(`${name}: refresh requested\n`);
    return 0;
  },
};

async function agentUrl(stateDir: string): Promise<string> {
  try {
    const info = JSON.parse(await readFile(join(stateDir, AGENT_INFO_FILE), 'utf8')) as { url: string };
    return info.url;
  } catch {
    throw AgentErrors.create('AGENT_NOT_RUNNING', `no agent is listening for ${stateDir}; start one with "trueup agent --state-dir ${stateDir} …" or pass --agent URL`);
  }
}
