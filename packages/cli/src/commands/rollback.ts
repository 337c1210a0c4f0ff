/**
 * `trueup rollback ENV [--to RUN|REVISION]`: a person deploys an earlier revision of an
 * environment again, through the job that deployed it, as a new run recorded with who asked.
 * `trueup rollback ENV --list` shows the environment's deployments.
 */
import { outputFormat, outputOption, type Command } from '../command.ts';
import { hubClientOptions, requireHubClient } from '../hub-target.ts';
import { formatTable, printJson, shortSha } from '../output.ts';

interface Deployment { id: number; at: string; actor: string | null; revision?: string; run?: string; job?: string; via?: string; target?: string; result?: string; rollback?: boolean }

export const rollbackCommand: Command = {
  name: 'rollback',
  usage: 'trueup rollback ENV [--to RUN|REVISION] | trueup rollback ENV --list [--hub URL | --data-dir D] [-o json]',
  summary: 'Deploy an earlier revision of an environment again through the job that deployed it (recorded with who), or --list its deployments.',
  options: { ...hubClientOptions, ...outputOption, to: { type: 'string' }, list: { type: 'boolean' } },
  async run({ values, positionals }) {
    const [environment, ...rest] = positionals;
    if (environment === undefined || rest.length > 0) throw new Error(`usage: ${rollbackCommand.usage}`);
    const client = await requireHubClient(values);
    const json = outputFormat(values) === 'json';
    const path = `/api/v1/deployments/${encodeURIComponent(environment)}`;
    if (values.list === true) {
      const { items } = await client.get<{ items: Deployment[] }>(path);
      if (json) printJson(items);
      else process.stdout.write(formatTable(['AT', 'REVISION', 'RESULT', 'RUN', 'JOB', 'BY', 'VIA', 'TARGET'], items.map((d) => [d.at, shortSha(d.revision ?? ''), `${d.result ?? ''}${d.rollback === true ? ' (rollback)' : ''}`, d.run ?? '', d.job ?? '', d.actor ?? '', d.via ?? '', d.target ?? ''])));
      return 0;
    }
    const started = await client.post<{ run: string; from: string; to: string; of: string }>(`${path}/rollback`, typeof values.to === 'string' ? { to: values.to } : {});
    if (json) printJson(started);
    else process.stdout.write(`rolling back ${environment} from ${shortSha(started.from)} to ${shortSha(started.to)} (as run ${started.of} deployed it): run ${started.run}\n`);
    return 0;
  },
};
