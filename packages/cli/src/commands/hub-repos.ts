/**
 * `trueup hub repos add URL [--credentials FILE]` and `trueup hub repos list`: repositories whose
 * workflows the hub runs on push. FILE (YAML) holds a private repository's credentials:
 * `username` with `password`/`token` (or `passwordFile`/`tokenFile`), or `sshKeyFile` with
 * `knownHostsFile` (paths relative to FILE). The hub seals them and never shows them again.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseYamlDocuments, type RepoSecrets } from '@trueup/api';
import { outputFormat, type CommandContext } from '../command.ts';
import { requireHubClient } from '../hub-target.ts';
import { formatTable, printJson } from '../output.ts';

const FIELDS = new Set(['username', 'password', 'token', 'passwordFile', 'tokenFile', 'sshKeyFile', 'knownHostsFile']);

export async function hubRepos(context: CommandContext, verb: string | undefined, url: string | undefined): Promise<number> {
  const client = await requireHubClient(context.values);
  if (verb === 'add' && url !== undefined) {
    const file = context.values.credentials;
    const credentials = typeof file === 'string' ? await readCredentials(resolve(file)) : undefined;
    const added = await client.post<{ key: string; url: string }>('/api/v1/repos', { url, ...(credentials === undefined ? {} : { credentials }) });
    process.stdout.write(`tracking ${added.url}${credentials === undefined ? '' : ' (credentials sealed by the hub)'}: new commits run its workflows\n`);
    return 0;
  }
  if (verb === 'list') {
    const { items } = await client.get<{ items: { key: string; url: string; credentials: boolean; createdAt: string }[] }>('/api/v1/repos');
    if (outputFormat(context.values) === 'json') printJson(items);
    else process.stdout.write(formatTable(['REPOSITORY', 'URL', 'CREDENTIALS', 'SINCE'], items.map((r) => [r.key, r.url, r.credentials ? 'sealed' : '-', r.createdAt])));
    return 0;
  }
  throw new Error('usage: trueup hub repos add URL [--credentials FILE] | trueup hub repos list [--hub URL | --data-dir D]');
}

/** Reads a credentials file into values; names the file and the field on any problem. */
export async function readCredentials(file: string): Promise<RepoSecrets> {
  const [document] = parseYamlDocuments(await readFile(file, 'utf8'), file);
  const value = document?.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${file}: expected a mapping of username, password or token (or passwordFile, tokenFile), sshKeyFile, knownHostsFile`);
  const fields = value as Record<string, unknown>;
  for (const [key, field] of Object.entries(fields)) {
    if (!FIELDS.has(key)) throw new Error(`${file}:${document?.lineOf([key]) ?? 1}: unknown field "${key}"; known are ${[...FIELDS].join(', ')}`);
    if (typeof field !== 'string' || field === '') throw new Error(`${file}:${document?.lineOf([key]) ?? 1}: ${key} must be a non-empty string`);
  }
  const text = (key: string): string | undefined => fields[key] as string | undefined;
  const fromFile = async (key: string): Promise<string | undefined> => {
    const path = text(key);
    if (path === undefined) return undefined;
    const content = await readFile(resolve(dirname(file), path), 'utf8').catch((error: unknown) => {
      throw new Error(`${file}: ${key} ${path}: ${error instanceof Error ? error.message : String(error)}`);
    });
    return key === 'passwordFile' || key === 'tokenFile' ? content.trim() : content;
  };
  const password = text('password') ?? text('token') ?? await fromFile('passwordFile') ?? await fromFile('tokenFile');
  const sshKey = await fromFile('sshKeyFile');
  const knownHosts = await fromFile('knownHostsFile');
  if (sshKey !== undefined && knownHosts === undefined) throw new Error(`${file}: sshKeyFile needs knownHostsFile: the repository's host key is always checked`);
  const username = text('username');
  return { ...(username === undefined ? {} : { username }), ...(password === undefined ? {} : { password }), ...(sshKey === undefined ? {} : { sshKey }), ...(knownHosts === undefined ? {} : { knownHosts }) };
}
