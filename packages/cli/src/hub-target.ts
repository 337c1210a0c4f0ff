/**
 * Which hub a client command talks to: `--hub URL` or TRUEUP_HUB with TRUEUP_TOKEN (and the CA
 * from `--ca-file` or TRUEUP_CA_FILE, else the system's), or the local hub of `--data-dir D`
 * through its hub.json (URL, CA and admin token). Without a token named, the one `trueup login`
 * saved for that URL is used, with the CA it pinned.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HubInfo } from '@trueup/api';
import { HUB_INFO_FILE, HubClient } from '@trueup/hub';
import type { CommandContext } from './command.ts';
import { savedHub } from './hub-credentials.ts';

export const hubClientOptions = {
  hub: { type: 'string' },
  'data-dir': { type: 'string' },
  'ca-file': { type: 'string' },
  'token-file': { type: 'string' },
} as const;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** The hub named on the command line or in the environment; undefined when none is. */
export async function hubClient(values: CommandContext['values']): Promise<HubClient | undefined> {
  const dataDir = text(values['data-dir']);
  const url = text(values.hub) ?? (dataDir === undefined ? text(process.env.TRUEUP_HUB) : undefined);
  const caFile = text(values['ca-file']) ?? text(process.env.TRUEUP_CA_FILE);
  const tokenFile = text(values['token-file']);
  if (url !== undefined) {
    const given = tokenFile === undefined ? text(process.env.TRUEUP_TOKEN) : (await readFile(tokenFile, 'utf8')).trim();
    const saved = given === undefined ? await savedHub(url) : undefined;
    const token = given ?? saved?.token;
    if (token === undefined) throw new Error(`a hub needs a token: run trueup login --hub ${url}, set TRUEUP_TOKEN, or give --token-file`);
    const ca = caFile === undefined ? saved?.ca : await readFile(caFile, 'utf8');
    return new HubClient({ url, token, ...(ca === undefined ? {} : { ca }) });
  }
  if (dataDir === undefined) return undefined;
  const infoFile = join(dataDir, HUB_INFO_FILE);
  if (!existsSync(infoFile)) throw new Error(`${infoFile} does not exist: is a hub running with --data-dir ${dataDir}?`);
  const info = JSON.parse(await readFile(infoFile, 'utf8')) as HubInfo;
  return new HubClient({
    url: info.url,
    token: (await readFile(tokenFile ?? info.adminTokenFile, 'utf8')).trim(),
    ca: await readFile(caFile ?? info.caCertFile, 'utf8'),
  });
}

/**
 * For commands that act locally too (refresh, sync, history): the hub when `--hub` is given, or
 * when TRUEUP_HUB is set, no state dir or agent is named, and the argument reads as ENV/APP
 * (and is not a file, for sync).
 */
export async function hubClientFor(values: CommandContext['values'], target: string | undefined): Promise<HubClient | undefined> {
  if (text(values.hub) !== undefined) return hubClient(values);
  if (values['state-dir'] !== undefined || values.agent !== undefined || text(process.env.TRUEUP_HUB) === undefined) return undefined;
  if (target === undefined || !target.includes('/') || existsSync(target)) return undefined;
  return hubClient(values);
}

export async function requireHubClient(values: CommandContext['values']): Promise<HubClient> {
  const client = await hubClient(values);
  if (client === undefined) throw new Error('name the hub: --hub URL (or TRUEUP_HUB and TRUEUP_TOKEN), or --data-dir D of a local hub');
  return client;
}
