/** `trueup pause ENV/APP` and `trueup resume ENV/APP` through a hub: self-heal of an application or one object. */
import { outputFormat, outputOption, type Command } from '../command.ts';
import { hubClient, hubClientOptions } from '../hub-target.ts';
import { hubCommand } from './hub-actions.ts';

function selfHealCommand(verb: 'pause' | 'resume', summary: string): Command {
  return {
    name: verb,
    usage: `trueup ${verb} ENV/APP [--object KEY] --hub URL [--ca-file F] [--token-file F] [--no-wait] [-o json]\n  KEY: apiVersion/kind/namespace/name, as the application's status lists its resources (namespace empty for host objects)`,
    summary,
    options: { ...hubClientOptions, ...outputOption, object: { type: 'string' }, 'no-wait': { type: 'boolean' } },
    async run({ values, positionals }) {
      const client = await hubClient(values);
      if (client === undefined) throw new Error(`name the hub: trueup ${verb} ENV/APP --hub URL (or TRUEUP_HUB and TRUEUP_TOKEN, or --data-dir of a local hub)`);
      const object = typeof values.object === 'string' && values.object !== '' ? values.object : undefined;
      return hubCommand(client, verb, positionals[0], { wait: values['no-wait'] !== true, timeoutSeconds: 120, json: outputFormat(values) === 'json', object });
    },
  };
}

export const pauseCommand = selfHealCommand('pause', 'Pause self-heal of an application (or one object of it) through a hub: drift is reported, not healed, until resumed.');
export const resumeCommand = selfHealCommand('resume', 'Resume self-heal of an application (or one object of it) through a hub: what drifted meanwhile heals at once.');
