/** `trueup refresh APP`: asks the running agent for a pass now and waits for its result. */
import { describeStatusError } from '@trueup/api';
import { agentClient } from '../agent-client.ts';
import { outputFormat, outputOption, stateDirOf, stateDirOption, type Command } from '../command.ts';
import { printJson, shortSha, withProgress } from '../output.ts';
import { hubClientFor } from '../hub-target.ts';
import { hubCommand } from './hub-actions.ts';

export const refreshCommand: Command = {
  name: 'refresh',
  usage: 'trueup refresh APP [--state-dir D | --agent URL] [--token-file F] [--no-wait] [-o json]\n       trueup refresh ENV/APP --hub URL [--ca-file F] [--token-file F] [--no-wait] [-o json]',
  summary: 'Start a pass of the running agent now (e.g. from a Git post-receive hook).',
  options: { ...stateDirOption, ...outputOption, agent: { type: 'string' }, 'token-file': { type: 'string' }, 'no-wait': { type: 'boolean' }, hub: { type: 'string' }, 'ca-file': { type: 'string' } },
  async run({ values, positionals }) {
    const hub = await hubClientFor(values, positionals[0]);
    if (hub !== undefined) return hubCommand(hub, 'refresh', positionals[0], { wait: values['no-wait'] !== true, timeoutSeconds: 120, json: outputFormat(values) === 'json' });
    const [name] = positionals;
    if (name === undefined) throw new Error('give the application name: trueup refresh APP');
    const client = await agentClient(stateDirOf(values), {
      ...(typeof values.agent === 'string' ? { url: values.agent } : {}),
      ...(typeof values['token-file'] === 'string' ? { tokenFile: values['token-file'] } : {}),
    });
    const wait = values['no-wait'] !== true;
    const { body } = await withProgress(`refreshing ${name}`, client.post(name, 'refresh', wait ? { wait: 'true' } : {}));
    if (outputFormat(values) === 'json') printJson(body);
    else if (wait && 'sync' in body) process.stdout.write(`${name}: ${shortSha(body.revision)} ${body.sync}/${body.health.status}${body.error === undefined ? '' : ` — ${describeStatusError(body.error)}`}\n`);
    else process.stdout.write(`${name}: refresh requested\n`);
    return 0;
  },
};
