/**
 * `trueup runs`: pipeline runs on a hub. `list`, `show RUN`, `logs RUN JOB [-f]`, `approve RUN
 * --environment ENV`, `cancel RUN`, `artifacts RUN`, `download RUN NAME [-d DIR]`,
 * and `dispatch REPOSITORY --workflow W [--ref R] [--input k=v]…` (workflow_dispatch).
 */
import { resolve } from 'node:path';
import { unpackArtifact } from '@trueup/runner';
import { outputFormat, outputOption, type Command } from '../command.ts';
import { hubClient, hubClientOptions } from '../hub-target.ts';
import { followLog } from './runs-logs.ts';
import { formatTable, printJson, shortSha } from '../output.ts';

interface RunItem { id: string; workflow: string; event: string; ref: string; sha: string; actor: string; status: string; conclusion: string | null; createdAt: string; finishedAt: string | null }
interface RunView extends RunItem {
  jobs: { key: string; name: string; environment: string | null; status: string; conclusion: string | null; runner: string | null; attempt: number; note: string | null; startedAt: string | null; finishedAt: string | null; steps: { name: string; conclusion: string | null; startedAt: string | null; finishedAt: string | null }[] }[];
}

const USAGE = 'trueup runs [list | show RUN | logs RUN JOB [-f] | approve RUN --environment ENV | rerun RUN JOB | cancel RUN | artifacts RUN | download RUN NAME [-d DIR] | dispatch REPOSITORY --workflow W [--ref R] [--input k=v]…] [--hub URL | --data-dir D] [-o json]';

export const runsCommand: Command = {
  name: 'runs',
  usage: USAGE,
  summary: 'Pipeline runs on a hub: list, show, follow logs, cancel, dispatch a workflow.',
  options: { ...hubClientOptions, ...outputOption, follow: { type: 'boolean', short: 'f' }, workflow: { type: 'string' }, ref: { type: 'string' }, input: { type: 'string', multiple: true }, limit: { type: 'string', default: '20' }, environment: { type: 'string' }, dir: { type: 'string', short: 'd' } },
  async run({ values, positionals }) {
    const client = await hubClient(values);
    if (client === undefined) throw new Error('name the hub: --hub URL (with TRUEUP_TOKEN) or --data-dir D');
    const [verb = 'list', ...args] = positionals;
    const json = outputFormat(values) === 'json';
    switch (verb) {
      case 'list': {
        const { items } = await client.get<{ items: RunItem[] }>(`/api/v1/runs?limit=${encodeURIComponent(String(values.limit))}`);
        if (json) printJson(items);
        else process.stdout.write(formatTable(['RUN', 'WORKFLOW', 'REF', 'COMMIT', 'STATUS', 'CREATED'], items.map((r) => [r.id, r.workflow, r.ref, shortSha(r.sha), r.conclusion ?? r.status, r.createdAt])));
        return 0;
      }
      case 'show': {
        const run = await client.get<RunView>(`/api/v1/runs/${encodeURIComponent(need(args[0], 'RUN'))}`);
        if (json) {
          printJson(run);
          return 0;
        }
        process.stdout.write(`run ${run.id}: ${run.workflow} at ${run.ref} (${shortSha(run.sha)}) by ${run.actor}: ${run.conclusion ?? run.status}\n`);
        process.stdout.write(formatTable(['JOB', 'STATUS', 'RUNNER', 'ATTEMPT', 'TIME', 'NOTE'], run.jobs.map((j) => [j.key, j.conclusion ?? j.status, j.runner ?? '', String(j.attempt), seconds(j.startedAt, j.finishedAt), j.note ?? ''])));
        for (const job of run.jobs) for (const step of job.steps) process.stdout.write(`  ${job.key}: ${step.name}: ${step.conclusion ?? 'running'} ${seconds(step.startedAt, step.finishedAt)}\n`);
        return run.conclusion === null || run.conclusion === 'success' ? 0 : 1;
      }
      case 'logs':
        return followLog(client, need(args[0], 'RUN'), need(args[1], 'JOB'), values.follow === true);
      case 'approve': {
        if (typeof values.environment !== 'string') throw new Error('approve needs --environment ENV');
        await client.post(`/api/v1/runs/${encodeURIComponent(need(args[0], 'RUN'))}/approve`, { environment: values.environment });
        process.stdout.write(`approved run ${args[0] ?? ''} for ${values.environment}\n`);
        return 0;
      }
      case 'rerun':
        await client.post(`/api/v1/runs/${encodeURIComponent(need(args[0], 'RUN'))}/jobs/${encodeURIComponent(need(args[1], 'JOB'))}/rerun`);
        process.stdout.write(`job ${args[1] ?? ''} of run ${args[0] ?? ''} queued again\n`);
        return 0;
      case 'cancel':
        await client.post(`/api/v1/runs/${encodeURIComponent(need(args[0], 'RUN'))}/cancel`);
        process.stdout.write(`cancelling run ${args[0] ?? ''}\n`);
        return 0;
      case 'artifacts': {
        const { items } = await client.get<{ items: { name: string; bytes: number; files: number; uploadedBy: string; expiresAt: string }[] }>(`/api/v1/runs/${encodeURIComponent(need(args[0], 'RUN'))}/artifacts`);
        if (json) printJson(items);
        else process.stdout.write(formatTable(['NAME', 'FILES', 'BYTES', 'UPLOADED BY', 'EXPIRES'], items.map((a) => [a.name, String(a.files), String(a.bytes), a.uploadedBy, a.expiresAt])));
        return 0;
      }
      case 'download': {
        const name = need(args[1], 'NAME');
        const dest = resolve(typeof values.dir === 'string' ? values.dir : name);
        const archive = await client.download(`/api/v1/runs/${encodeURIComponent(need(args[0], 'RUN'))}/artifacts/${encodeURIComponent(name)}`);
        const files = await unpackArtifact(archive, dest);
        process.stdout.write(`artifact "${name}": ${files} files into ${dest}\n`);
        return 0;
      }
      case 'dispatch': {
        if (typeof values.workflow !== 'string') throw new Error('dispatch needs --workflow W (a file of .trueup/workflows/)');
        const inputs = Object.fromEntries(((values.input ?? []) as string[]).map((pair) => {
          const at = pair.indexOf('=');
          if (at < 1) throw new Error(`--input ${pair}: expected NAME=VALUE`);
          return [pair.slice(0, at), pair.slice(at + 1)];
        }));
        const started = await client.post<{ id: string; sha: string }>('/api/v1/runs', { repository: need(args[0], 'REPOSITORY'), workflow: values.workflow, ...(typeof values.ref === 'string' ? { ref: values.ref } : {}), inputs });
        if (json) printJson(started);
        else process.stdout.write(`run ${started.id} at ${shortSha(started.sha)}\n`);
        return 0;
      }
      default:
        throw new Error(`unknown runs command "${verb}": ${USAGE}`);
    }
  },
};

function need(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new Error(`give ${what}: ${USAGE}`);
  return value;
}

function seconds(from: string | null, to: string | null): string {
  if (from === null) return '';
  const ms = (to === null ? Date.now() : Date.parse(to)) - Date.parse(from);
  return `${(ms / 1000).toFixed(1)} s${to === null ? '…' : ''}`;
}
