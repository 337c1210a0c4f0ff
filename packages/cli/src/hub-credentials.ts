/**
 * What `trueup login` saves: per hub URL, an API token and the hub's CA (its PEM and SHA-256),
 * in $XDG_CONFIG_HOME/trueup/hubs.json (default ~/.config), readable by its owner only.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface SavedHub {
  token: string;
  /** The token's id at the hub, to revoke it at logout. */
  tokenId?: string;
  /** PEM of the CA pinned at login; absent when the system's CAs were used. */
  ca?: string;
  caSha256?: string;
  subject: string;
  savedAt: string;
}

interface HubsFile {
  hubs: Record<string, SavedHub>;
}

export function hubsFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'trueup', 'hubs.json');
}

/** The URL as saved: origin and path, without a trailing slash. */
export function hubKey(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

async function load(file: string): Promise<HubsFile> {
  if (!existsSync(file)) return { hubs: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: not JSON (${error instanceof Error ? error.message : String(error)}); fix or delete it, then log in again`);
  }
  const hubs = (parsed as Partial<HubsFile> | undefined)?.hubs;
  if (typeof hubs !== 'object' || hubs === null) throw new Error(`${file}: expected {"hubs": {URL: {...}}}`);
  return { hubs };
}

export async function savedHub(url: string, file = hubsFile()): Promise<SavedHub | undefined> {
  return (await load(file)).hubs[hubKey(url)];
}

export async function saveHub(url: string, saved: SavedHub | undefined, file = hubsFile()): Promise<void> {
  const content = await load(file);
  if (saved === undefined) delete content.hubs[hubKey(url)];
  else content.hubs[hubKey(url)] = saved;
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(`${file}.new`, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  await chmod(`${file}.new`, 0o600);
  await rename(`${file}.new`, file);
}
