/**
 * `trueup pause ENV/APP` and `trueup resume ENV/APP` through a hub, or `trueup pause APP` against
 * the running agent of a state dir: self-heal of an application or one object of it.
 */
import { agentClient } from '../agent-client.ts';
import { outputFormat, outputOption, stateDirOf, stateDirOption, type Command } from '../command.ts';
import { hubClient, hubClientFor, hubClientOptions } from '../hub-target.ts';
import { printJson } from '../output.ts';
import { hubCommand } from './hub-actions.ts';

function selfHealCommand(verb: 'pause' | 'resume', summary: string): Command {
  return {
    name: verb,
    usage: `trueup ${verb} ENV/APP [--object KEY] --hub URL [--ca-file F] [--token-file F] [--no-wait] [-o json]\n       trueup ${verb} APP [--object KEY] [--state-dir D | --agent URL] [--agent-token-file F] [-o json]\n  KEY: apiVersion/kind/namespace/name, as the application's status lists its resources (namespace empty for host objects)`,
    summary,
    options: { ...hubClientOptions, ...stateDirOption, ...outputOption, object: { type: 'string' }, 'no-wait': { type: 'boolean' }, agent: { type: 'string' }, 'agent-token-file': { type: 'string' } },
    async run({ values, positionals }) {
      const object = typeof values.object === 'string' && values.object !== '' ? values.object : undefined;
      const [target] = positionals;
      const hub = typeof values['data-dir'] === 'string' ? await hubClient(values) : await hubClientFor(values, target);
      if (hub !== undefined) return hubCommand(hub, verb, target, { wait: values['no-wait'] !== true, timeoutSeconds: 120, json: outputFormat(values) === 'json', object });
      if (target === undefined) throw new Error(`give the application: trueup ${verb} APP (the running agent) or trueup ${verb} ENV/APP --hub URL`);
      const client = await agentClient(stateDirOf(values), {
        ...(typeof values.agent === 'string' ? { url: values.agent } : {}),
        ...(typeof values['agent-token-file'] === 'string' ? { tokenFile: values['agent-token-file'] } : {}),
      });
      const { body } = await client.post(target, verb, object === undefined ? {} : { object });
      if (outputFormat(values) === 'json') printJson(body);
      else if ('sync' in body) process.stdout.write(`${target}: self-heal ${verb === 'pause' ? 'paused' : 'resumed'} for ${object ?? 'the application'}: ${body.sync}, ${body.health.status}\n`);
      return 0;
    },
  };
}

export const pauseCommand = selfHealCommand('pause', 'Pause self-heal of an application (or one object of it) through a hub: drift is reported, not healed, until resumed.');
export const resumeCommand = selfHealCommand('resume', 'Resume self-heal of an application (or one object of it) through a hub: what drifted meanwhile heals at once.');
