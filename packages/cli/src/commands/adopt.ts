/**
 * `trueup adopt ENV/APP KIND/NAME [--field PATH]… [--branch B]`: a hand fix of one object written
 * back into Git through the hub, instead of healed away (see the hub's adopt route): on a new
 * branch by default, self-heal paused until that branch is merged and applied.
 * `trueup adopt --list [ENV[/APP]]`: the adoptions still pending, with branch, age and how to compare.
 */
import type { AdoptionList, AdoptResult } from '@trueup/api';
import { outputFormat, outputOption, type Command } from '../command.ts';
import type { HubClient } from '@trueup/hub';
import { hubClientOptions, requireHubClient } from '../hub-target.ts';
import { formatTable, printJson, shortSha, withProgress } from '../output.ts';

export const adoptCommand: Command = {
  name: 'adopt',
  usage: 'trueup adopt ENV/APP (KIND/NAME | --object KEY) [--field PATH]… [--fields A,B] [--branch B] [--timeout S] --hub URL [--ca-file F] [--token-file F] [-o json]\n       trueup adopt --list [ENV[/APP]] --hub URL [-o json]   adoptions still pending: branch, age, how to compare it with the tracked branch\n  KEY: apiVersion/kind/namespace/name (namespace empty for host objects); KIND/NAME or KIND/NAMESPACE/NAME when it names one object; PATH: a key path such as spec.replicas.\n  Without --field, every scalar field whose live value differs from Git is adopted.\n  Without --branch, the commit goes on a new branch trueup/adopt/ENV-APP-KIND-NAME-ID; self-heal of the object stays paused until the tracked branch, with it merged, is applied. --branch equal to the tracked branch commits there and waits (--timeout) for the agent to apply it.',
  summary: 'Adopt a hand fix of one object into Git: pause its self-heal, commit its live values into the file it came from on a branch; self-heal resumes once the tracked branch holds them and the agent applied it.',
  options: { ...hubClientOptions, ...outputOption, object: { type: 'string' }, field: { type: 'string', multiple: true }, fields: { type: 'string' }, timeout: { type: 'string' }, branch: { type: 'string' }, list: { type: 'boolean' } },
  async run({ values, positionals }) {
    if (values.list === true) return list(await requireHubClient(values), positionals[0], outputFormat(values) === 'json');
    const [target, positionalObject] = positionals;
    const [environment, application, ...rest] = (target ?? '').split('/');
    if (environment === undefined || environment === '' || application === undefined || application === '' || rest.length > 0) throw new Error('give the application as ENV/APP: trueup adopt ENV/APP --object KEY');
    const object = typeof values.object === 'string' && values.object !== '' ? values.object : positionalObject;
    if (object === undefined) throw new Error('give the object: KIND/NAME, or --object apiVersion/kind/namespace/name');
    const named = [...(Array.isArray(values.field) ? values.field.map(String) : []), ...(typeof values.fields === 'string' ? values.fields.split(',') : [])].map((f) => f.trim()).filter((f) => f !== '');
    const timeout = typeof values.timeout === 'string' ? Number(values.timeout) : undefined;
    if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 1 || timeout > 100)) throw new Error('--timeout: expected whole seconds, 1 to 100');
    const client = await requireHubClient(values);
    const path = `/api/v1/environments/${encodeURIComponent(environment)}/applications/${encodeURIComponent(application)}/adopt`;
    const branch = typeof values.branch === 'string' ? values.branch.trim() : undefined;
    if (branch === '') throw new Error('--branch: give a branch name');
    // The command's default is a new branch (the API's is the tracked one, as the web UI's action).
    const body = { object, ...(named.length === 0 ? {} : { fields: named }), ...(timeout === undefined ? {} : { timeout }), ...(branch === undefined ? { newBranch: true } : { branch }) };
    const result = await withProgress(`adopting ${object} of ${environment}/${application} into Git`, client.post<AdoptResult>(path, body));
    if (outputFormat(values) === 'json') {
      printJson(result);
      return 0;
    }
    for (const change of result.changes) process.stdout.write(`${change.file}:${change.line} ${change.key}: ${show(change.from)} → ${show(change.to)}\n`);
    process.stdout.write(`${summary(result)}\n`);
    return 0;
  },
};

async function list(client: HubClient, scope: string | undefined, json: boolean): Promise<number> {
  const [environment, application, ...rest] = (scope ?? '').split('/');
  if (rest.length > 0) throw new Error('give ENV or ENV/APP to list the adoptions of: trueup adopt --list prod/web');
  const query = new URLSearchParams({ ...(environment === undefined || environment === '' ? {} : { environment }), ...(application === undefined || application === '' ? {} : { application }) });
  const { items } = await client.get<AdoptionList>(`/api/v1/adoptions${query.size === 0 ? '' : `?${query.toString()}`}`);
  if (json) {
    printJson(items);
    return 0;
  }
  if (items.length === 0) {
    process.stdout.write('no adoption is pending\n');
    return 0;
  }
  process.stdout.write(`${formatTable(['APPLICATION', 'OBJECT', 'BRANCH', 'AGE', 'BY'], items.map((a) => [`${a.environment}/${a.application}`, a.object, a.branch, age(Date.parse(a.createdAt)), a.requestedBy]))}\n`);
  for (const a of items) process.stdout.write(`compare ${a.branch}: ${a.compare}\n`);
  return 0;
}

/** How long ago, in the largest whole unit: 45s, 12m, 3h, 2d. */
function age(since: number): string {
  const seconds = Math.max(0, Math.floor((Date.now() - since) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

function summary(result: AdoptResult): string {
  if (result.outcome === 'unchanged' && result.pending) return `${result.branch} already holds these values at ${shortSha(result.revision)}; self-heal of ${result.object} stays paused until ${result.tracked} holds them and is applied`;
  if (result.outcome === 'unchanged') return `Git already holds these values at ${shortSha(result.revision)} on ${result.branch}; self-heal of ${result.object} resumed`;
  if (!result.pending) return `committed ${shortSha(result.revision)} on ${result.branch}, applied by the agent; self-heal of ${result.object} resumed`;
  return [
    `committed ${shortSha(result.revision)} on branch ${result.branch}`,
    `self-heal of ${result.object} stays paused until ${result.tracked}, with this branch merged, is applied`,
    ...(result.compare === undefined ? [] : [`compare: ${result.compare}`]),
  ].join('\n');
}

function show(value: unknown): string {
  return value === undefined ? '(added)' : typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value);
}
