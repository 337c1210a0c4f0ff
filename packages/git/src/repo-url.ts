import { createHash } from 'node:crypto';
import { GitErrors } from './errors.ts';
import { registerSecret, stripCredentials } from './redact.ts';

export type Transport = 'file' | 'http' | 'ssh';

export interface RepoUrl {
  /** What git is called with: the URL as given, less any credentials (they go in `userinfo`). */
  url: string;
  /** `user:password@` of an http(s) URL, decoded: sent as a header through git's environment, never in argv. */
  userinfo?: { username: string; password: string };
  /** The URL without credentials: the only form that appears in messages and results. */
  display: string;
  transport: Transport;
  /** Folder name of the repository in the cache: readable, and unique by a hash of `display`. */
  key: string;
}

const TRANSPORTS: Record<string, Transport> = { 'file:': 'file', 'http:': 'http', 'https:': 'http', 'ssh:': 'ssh' };

/** Parses an Application's `repoURL`. A password in the URL is registered as a secret. */
export function parseRepoUrl(repoURL: string): RepoUrl {
  let parsed: URL;
  try {
    parsed = new URL(repoURL);
  } catch {
    throw GitErrors.create('GIT_URL_INVALID', `invalid repository URL "${stripCredentials(repoURL)}": expected file://, https:// or ssh://`);
  }
  const transport = TRANSPORTS[parsed.protocol];
  if (transport === undefined) {
    throw GitErrors.create('GIT_URL_INVALID', `unsupported repository URL scheme "${parsed.protocol}" in "${stripCredentials(repoURL)}": expected file://, https:// or ssh://`);
  }
  if (parsed.password !== '') {
    registerSecret(parsed.password);
    registerSecret(decodeURIComponent(parsed.password));
  }
  if (transport === 'http' && parsed.username !== '' && parsed.password === '') registerSecret(parsed.username);
  const display = stripCredentials(repoURL);
  const base = { display, transport, key: cacheKey(display, parsed) };
  if (parsed.password === '' && (transport !== 'http' || parsed.username === '')) return { url: repoURL, ...base };
  // Every local user can read a process's argv (/proc/PID/cmdline), and git hands the URL on to its children.
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  if (transport !== 'http') {
    parsed.password = '';
    return { url: parsed.toString(), ...base };
  }
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), userinfo: { username, password }, ...base };
}

function cacheKey(display: string, parsed: URL): string {
  const normalized = display.replace(/\/+$/, '');
  const hash = createHash('sha256').update(normalized).digest('hex').slice(0, 16);
  const name = parsed.pathname.split('/').filter((part) => part !== '').pop() ?? 'repo';
  const slug = `${parsed.hostname || 'local'}-${name}`.replace(/\.git$/, '').replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60);
  return `${slug}-${hash}`;
}
