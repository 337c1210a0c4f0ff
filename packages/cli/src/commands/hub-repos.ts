/** `trueup hub repos add URL` and `trueup hub repos list`: repositories whose workflows the hub runs on push. */
import { outputFormat, type CommandContext } from '../command.ts';
import { requireHubClient } from '../hub-target.ts';
import { formatTable, printJson } from '../output.ts';

export async function hubRepos(context: CommandContext, verb: string | undefined, url: string | undefined): Promise<number> {
  const client = await requireHubClient(context.values);
  if (verb === 'add' && url !== undefined) {
    const added = await client.post<{ key: string; url: string }>('/api/v1/repos', { url });
    process.stdout.write(`tracking ${added.url}: new commits run its workflows\n`);
    return 0;
  }
  if (verb === 'list') {
    const { items } = await client.get<{ items: { key: string; url: string; createdAt: string }[] }>('/api/v1/repos');
    if (outputFormat(context.values) === 'json') printJson(items);
    else process.stdout.write(formatTable(['REPOSITORY', 'URL', 'SINCE'], items.map((r) => [r.key, r.url, r.createdAt])));
    return 0;
  }
  throw new Error('usage: trueup hub repos add URL | trueup hub repos list [--hub URL | --data-dir D]');
}
