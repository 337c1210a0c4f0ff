/** `refresh`, `sync`, `pause`, `resume` and `history` through a hub: `ENV/APP` names an application in one environment. */
import { pipeline } from 'node:stream/promises';
import { parseDuration } from '@trueup/api';
import type { HubClient } from '@trueup/hub';
import type { CommandRecord, LedgerEntry } from '@trueup/store';
import { formatTable, printJson, shortSha, withProgress } from '../output.ts';

function split(target: string | undefined, usage: string): { environment: string; name: string } {
  const [environment, name] = (target ?? '').split('/', 2);
  if (environment === undefined || environment === '' || name === undefined || name === '') throw new Error(`name the application as ENV/APP: ${usage}`);
  return { environment, name };
}

export interface HubCommandOptions {
  wait: boolean;
  timeoutSeconds: number;
  json: boolean;
  /** sync */
  prune?: boolean | undefined;
  dryRun?: boolean | undefined;
  /** pause, resume: one object's key instead of the whole application. */
  object?: string | undefined;
}

/** Asks the agent (through the hub) for a pass, a sync, a pause or a resume and waits for its answer; exit 0 when it succeeded. */
export async function hubCommand(client: HubClient, verb: 'refresh' | 'sync' | 'pause' | 'resume', target: string | undefined, options: HubCommandOptions): Promise<number> {
  const { environment, name } = split(target, `trueup ${verb} --hub URL ENV/APP`);
  const path = `/api/v1/environments/${encodeURIComponent(environment)}/applications/${encodeURIComponent(name)}/${verb}${options.wait ? `?wait=true&timeout=${options.timeoutSeconds}` : ''}`;
  const body = verb === 'sync'
    ? { ...(options.prune === undefined ? {} : { prune: options.prune }), ...(options.dryRun === true ? { dryRun: true } : {}) }
    : verb === 'refresh' ? undefined : (options.object === undefined ? {} : { object: options.object });
  const command = await withProgress(`${verb} ${environment}/${name}`, client.post<CommandRecord>(path, body));
  if (options.json) printJson(command);
  else if (command.result !== undefined) {
    process.stdout.write(`${environment}/${name}: ${command.result.ok ? '' : `${command.result.code ?? 'FAILED'}: `}${command.result.message}\n`);
    for (const change of command.result.plan ?? []) process.stdout.write(`  ${change.action.padEnd(7)} ${change.object}${change.fields === undefined ? '' : ` (${change.fields.join(', ')})`}\n`);
    if ((command.result.planOmitted ?? 0) > 0) process.stdout.write(`  … and ${String(command.result.planOmitted)} more\n`);
  }
  else process.stdout.write(`${environment}/${name}: ${verb} ${command.state}${command.state === 'queued' ? ' (the agent is offline or busy; it runs when it is back)' : ''} — command ${command.id}\n`);
  if (command.result !== undefined) return command.result.ok ? 0 : 1;
  return options.wait ? 3 : 0;
}

/** The hub's ledger for one application (ENV/APP), one environment (ENV) or all: the newest `limit` entries, newest first. */
export async function hubHistory(client: HubClient, target: string | undefined, options: { limit: number; json: boolean; since?: string | undefined; kind?: string | undefined }): Promise<number> {
  const query = ledgerQuery(target, options);
  query.set('limit', String(Math.min(1000, Math.max(1, options.limit))));
  const page: { items: LedgerEntry[] } = await client.get(`/api/v1/events?${query.toString()}`);
  const shown = page.items;
  const environment = query.get('environment') ?? undefined;
  const name = query.get('application') ?? undefined;
  if (options.json) {
    printJson({ ...(environment === undefined ? {} : { environment }), ...(name === undefined ? {} : { application: name }), events: shown });
    return 0;
  }
  process.stdout.write(formatTable(['ID', 'AT', 'KIND', ...(environment === undefined ? ['ENVIRONMENT'] : []), 'APPLICATION', 'BY', 'DETAILS'], shown.map((e) => [
    String(e.id), e.at, e.kind, ...(environment === undefined ? [e.environment === '' ? '-' : e.environment] : []), e.application ?? '-', e.actor ?? '-', summary(e),
  ])));
  return 0;
}

/** Every matching ledger entry, oldest first, as JSON lines on stdout, streamed from the hub's export. */
export async function hubHistoryJsonLines(client: HubClient, target: string | undefined, options: { since?: string | undefined; kind?: string | undefined }): Promise<number> {
  const query = ledgerQuery(target, options);
  query.set('order', 'asc');
  const response = await client.download(`/api/v1/events/export?${query.toString()}`);
  await pipeline(response, process.stdout, { end: false });
  return 0;
}

/** ENV[/APP], `--since` (a time, or a duration back from now such as 30m or 24h) and `--kind` as the ledger's query. */
export function ledgerQuery(target: string | undefined, options: { since?: string | undefined; kind?: string | undefined }, now = Date.now()): URLSearchParams {
  const query = new URLSearchParams();
  const [environment, name] = (target ?? '').split('/', 2);
  if (environment !== undefined && environment !== '') query.set('environment', environment);
  if (name !== undefined && name !== '') query.set('application', name);
  if (options.kind !== undefined) query.set('kind', options.kind);
  if (options.since !== undefined) query.set('since', sinceTime(options.since, now));
  return query;
}

function sinceTime(text: string, now: number): string {
  const days = /^(\d+)d$/.exec(text);
  const back = days === null ? parseDuration(text) : Number(days[1]) * 86_400_000;
  if (back !== undefined) return new Date(now - back).toISOString();
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw new Error(`--since ${text}: expected a time (2026-01-31T12:00:00Z) or a duration back from now (30m, 24h, 7d)`);
  return new Date(at).toISOString();
}

function summary(entry: LedgerEntry): string {
  const d = entry.details as Record<string, string | number | boolean | string[] | undefined>;
  switch (entry.kind) {
    case 'sync':
      return `${shortSha(String(d.revision ?? ''))} ${String(d.trigger)} ${String(d.result)}${Number(d.changed) > 0 ? `, ${String(d.changed)} changed` : ''}${d.message === '' || d.message === undefined ? '' : ` — ${String(d.message)}`}`;
    case 'drift':
      return `${String(d.object)} ${Array.isArray(d.fields) ? d.fields.join(',') : ''}${d.changedBy === undefined ? '' : ` by ${String(d.changedBy)}`}`;
    case 'heal':
      return `${String(d.object)} in ${String(d.durationMs)} ms`;
    case 'command-requested':
      return `${String(d.verb)} ${String(d.id)}`;
    case 'command-finished':
      return `${String(d.id)} ${d.ok === true ? 'ok' : 'failed'}: ${String(d.message)}`;
    default:
      return '';
  }
}
