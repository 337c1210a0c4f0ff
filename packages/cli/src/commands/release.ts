/**
 * `trueup release`: releases and their promotion on a hub. `list [--promotion P] [--environment E]`,
 * `show ID|SHA|VALUE` (a release by its id, a commit a promotion wrote, or a value; every stage: state, revision, who, timings, gates, approvals, holds), `create
 * PROMOTION --value NAME=VALUE…`, `approve ID --stage S`, `hold STAGE --promotion P [--reason R]`,
 * `unhold STAGE --promotion P`, `track REPO_URL [--ref R]` (read its `.trueup/promotions/`), and
 * `trueup promote ID --to ENV` (a person's promotion; to an older release, a rollback that holds).
 */
import type { ReleaseAppliedView, ReleaseRunView, ReleaseStageView, ReleaseView } from '@trueup/api';
import { outputFormat, outputOption, type Command } from '../command.ts';
import { hubClientOptions, requireHubClient } from '../hub-target.ts';
import { formatTable, printJson, shortSha } from '../output.ts';

const USAGE = 'trueup release [list [--promotion P] [--environment E] | show ID|SHA|VALUE | create PROMOTION --value NAME=VALUE… | approve ID --stage S | hold STAGE --promotion P [--reason R] | unhold STAGE --promotion P | track REPO_URL [--ref R]] [--hub URL | --data-dir D] [-o json]';

export const releaseCommand: Command = {
  name: 'release',
  usage: USAGE,
  summary: 'Releases on a hub: list, show where a release runs and how it got there, create, approve, hold or unhold a stage.',
  options: { ...hubClientOptions, ...outputOption, promotion: { type: 'string' }, environment: { type: 'string' }, stage: { type: 'string' }, reason: { type: 'string' }, value: { type: 'string', multiple: true }, ref: { type: 'string' }, limit: { type: 'string', default: '50' } },
  async run({ values, positionals }) {
    const client = await requireHubClient(values);
    const [verb = 'list', ...args] = positionals;
    const json = outputFormat(values) === 'json';
    const text = (name: string): string | undefined => (typeof values[name] === 'string' ? values[name] : undefined);
    switch (verb) {
      case 'list': {
        const query = new URLSearchParams({ limit: String(values.limit) });
        for (const name of ['promotion', 'environment']) if (text(name) !== undefined) query.set(name, text(name) ?? '');
        const { items } = await client.get<{ items: ReleaseView[] }>(`/api/v1/releases?${query.toString()}`);
        if (json) printJson(items);
        else process.stdout.write(formatTable(['RELEASE', 'VALUES', 'CREATED', ...stageNames(items).map((name) => name.toUpperCase())], items.map((r) => [r.id, valuesText(r.values), r.createdAt, ...stageNames(items).map((name) => stageCell(r.stages.find((s) => s.stage === name)))])));
        return 0;
      }
      case 'show': {
        const release = await client.get<ReleaseView>(`/api/v1/releases/${encodeURIComponent(need(args[0], 'ID'))}`);
        if (json) {
          printJson(release);
          return 0;
        }
        process.stdout.write(`release ${release.id} of ${release.promotion}: ${valuesText(release.values)}\n  made ${release.createdAt} by ${release.createdBy} (${release.origin})\n`);
        if (release.run !== undefined) process.stdout.write(`  ${runText(release.run)}\n`);
        for (const stage of release.stages) {
          const state = stage.state === undefined ? 'not promoted' : `${stage.state}${stage.current ? ' (running now)' : ''}`;
          process.stdout.write(`\n${stage.stage} (${stage.application}): ${state}\n`);
          if (stage.state !== undefined) {
            process.stdout.write(`  by ${stage.requestedBy ?? ''}${stage.manual === true ? ' by hand' : ''}; revision ${shortSha(stage.revision ?? '')}\n`);
            process.stdout.write(`  started ${stage.startedAt ?? ''}${timing('committed', stage.startedAt, stage.committedAt)}${timing('healthy', stage.startedAt, stage.healthyAt)}${stage.state === 'failed' ? timing('failed', stage.startedAt, stage.finishedAt) : ''}\n`);
            if (stage.message !== undefined) process.stdout.write(`  ${stage.message}\n`);
            if (stage.reported !== undefined) process.stdout.write(`  agent reports revision ${shortSha(stage.reported.revision)}: ${stage.reported.sync}, ${stage.reported.health}${stage.reported.lastSyncedAt === undefined ? '' : ` (synced ${stage.reported.lastSyncedAt})`}; ${stage.reported.runsThisRelease ? 'runs this release' : 'runs another revision'}\n`);
          }
          if (stage.held !== undefined) process.stdout.write(`  HELD by ${stage.held.by} since ${stage.held.at}: ${stage.held.reason}\n`);
          for (const gate of stage.gates) {
            process.stdout.write(`  gate ${gate.gate}: ${gate.passed ? 'passed' : 'waiting'}: ${gate.reason}${gate.opensAt === undefined ? '' : ` (opens ${gate.opensAt})`}\n`);
            for (const who of gate.approvedBy ?? []) process.stdout.write(`    approved by ${who}\n`);
          }
        }
        if ((release.applied ?? []).length > 0) process.stdout.write('\nwhere it was applied:\n');
        for (const applied of release.applied ?? []) process.stdout.write(`  ${appliedText(applied)}\n`);
        return release.stages.some((s) => s.current && s.state === 'failed') ? 1 : 0;
      }
      case 'create': {
        const pairs = Object.fromEntries(((values.value ?? []) as string[]).map((pair) => {
          const at = pair.indexOf('=');
          if (at < 1) throw new Error(`--value ${pair}: expected NAME=VALUE`);
          return [pair.slice(0, at), pair.slice(at + 1)];
        }));
        const { created, release } = await client.post<{ created: boolean; release: ReleaseView }>('/api/v1/releases', { promotion: need(args[0], 'PROMOTION'), values: pairs, origin: 'cli' });
        if (json) printJson({ created, release });
        else process.stdout.write(`${created ? 'made' : 'already made:'} release ${release.id}: ${valuesText(release.values)}\n`);
        return 0;
      }
      case 'approve': {
        const stage = text('stage');
        if (stage === undefined) throw new Error('approve needs --stage S (a stage or its environment)');
        const id = need(args[0], 'ID');
        const result = await client.post<{ alreadyApproved: boolean }>(`/api/v1/releases/${encodeURIComponent(id)}/approve`, { stage });
        process.stdout.write(`${result.alreadyApproved ? 'already approved' : 'approved'} ${id} for ${stage}\n`);
        return 0;
      }
      case 'hold':
      case 'unhold': {
        const promotion = text('promotion');
        if (promotion === undefined) throw new Error(`${verb} needs --promotion P`);
        const stage = need(args[0], 'STAGE');
        const body = verb === 'hold' ? { stage, ...(text('reason') === undefined ? {} : { reason: text('reason') }) } : { stage };
        const result = await client.post<{ stage: string }>(`/api/v1/promotions/${encodeURIComponent(promotion)}/${verb}`, body);
        process.stdout.write(verb === 'hold' ? `held ${promotion}/${result.stage}: automation promotes nothing there until it is released\n` : `released the hold of ${promotion}/${result.stage}\n`);
        return 0;
      }
      case 'track': {
        const result = await client.post<{ promotions: { name: string; file: string }[]; invalid: { file: string; error: string }[] }>('/api/v1/promotions/sources', { repoURL: need(args[0], 'REPO_URL'), ...(text('ref') === undefined ? {} : { ref: text('ref') }) });
        if (json) printJson(result);
        else {
          for (const p of result.promotions) process.stdout.write(`promotion ${p.name} (${p.file})\n`);
          for (const bad of result.invalid) process.stderr.write(`invalid: ${bad.error}\n`);
        }
        return result.invalid.length === 0 ? 0 : 1;
      }
      default:
        throw new Error(`unknown release command "${verb}": ${USAGE}`);
    }
  },
};

export const promoteCommand: Command = {
  name: 'promote',
  usage: 'trueup promote RELEASE --to ENV [--hub URL | --data-dir D] [-o json]',
  summary: 'Promote a release to a stage now, by hand; an older release than the stage runs is a rollback, and holds the stage.',
  options: { ...hubClientOptions, ...outputOption, to: { type: 'string' } },
  async run({ values, positionals }) {
    const client = await requireHubClient(values);
    const id = need(positionals[0], 'RELEASE');
    if (typeof values.to !== 'string') throw new Error('promote needs --to ENV (a stage or its environment)');
    const { held, release } = await client.post<{ held: boolean; release: ReleaseView }>(`/api/v1/releases/${encodeURIComponent(id)}/promote`, { to: values.to });
    if (outputFormat(values) === 'json') printJson({ held, release });
    else process.stdout.write(`promoting ${id} to ${values.to}${held ? ': a rollback, so the stage is held until `trueup release unhold` releases it' : ''}\n`);
    return 0;
  },
};

function need(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new Error(`give ${what}: ${USAGE}`);
  return value;
}

function runText(run: ReleaseRunView): string {
  const where = [run.workflow === undefined ? '' : `workflow ${run.workflow}`, run.repository === undefined ? '' : `of ${run.repository}`, run.sha === undefined ? '' : `at ${shortSha(run.sha)}`].filter((part) => part !== '').join(' ');
  const how = [run.actor === undefined ? '' : `started by ${run.actor}`, run.status === undefined ? '' : `${run.status}${run.conclusion === undefined ? '' : ` (${run.conclusion})`}`].filter((part) => part !== '').join(', ');
  return `made by run ${run.id}, job ${run.job}${where === '' ? '' : ` (${where}${how === '' ? '' : `; ${how}`})`}`;
}

function appliedText(applied: ReleaseAppliedView): string {
  const now = applied.runsNow ? `runs it now, ${applied.health ?? 'Unknown'}` : 'runs another revision now';
  return `applied ${shortSha(applied.revision)}${applied.stage === undefined ? '' : ` (${applied.stage})`}: ${applied.environment}/${applied.application} at ${applied.at}, ${applied.result}, ${now}`;
}

function valuesText(values: Record<string, string>): string {
  return Object.entries(values).map(([name, value]) => `${name}=${value}`).join(' ');
}

function stageNames(items: readonly ReleaseView[]): string[] {
  return [...new Set(items.flatMap((r) => r.stages.map((s) => s.stage)))];
}

function stageCell(stage: ReleaseStageView | undefined): string {
  if (stage?.state === undefined) return '-';
  return `${stage.state}${stage.current ? '*' : ''}`;
}

function timing(what: string, from: string | undefined, to: string | undefined): string {
  if (from === undefined || to === undefined) return '';
  return `, ${what} after ${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)} s`;
}
