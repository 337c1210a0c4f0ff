/**
 * Who may use the agent's API (docs/adr/0009-the-local-api-takes-a-token-from-the-state-dir.md).
 * Every request must name the agent by a loopback host (or an IP address, when listening beyond
 * loopback was asked for) and its port — a page that rebinds its own DNS name to 127.0.0.1 is
 * refused — and must not come from another site. `/api/` also needs the token the agent writes
 * at start to `api-token` in the state dir, readable by its owner only.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { isLoopbackHost } from './listen-address.ts';

export const API_TOKEN_FILE = 'api-token';

export interface ApiAccess {
  token: string;
  /** The bound port; requests must name it in `Host`. */
  port: number;
  /** Listening beyond loopback was asked for: `Host` may also be an IP address. */
  nonLoopback: boolean;
}

export type Refusal = { status: 401 | 403; code: 'AGENT_API_UNAUTHORIZED' | 'AGENT_API_FORBIDDEN'; message: string };

/** A fresh token, written to `<stateDir>/api-token` with mode 0600 (whole or absent for readers). */
export function writeApiToken(stateDir: string): string {
  const token = randomBytes(32).toString('base64url');
  const file = join(stateDir, API_TOKEN_FILE);
  const aside = `${file}.${process.pid}`;
  rmSync(aside, { force: true });
  writeFileSync(aside, `${token}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(aside, file);
  return token;
}

/** The token in a token file (`<stateDir>/api-token`, or one given). */
export function readApiToken(file: string): string {
  return readFileSync(file, 'utf8').trim();
}

/** Why the request is refused; undefined when it may go on. */
export function refusal(request: IncomingMessage, access: ApiAccess, needsToken: boolean): Refusal | undefined {
  const host = request.headers.host ?? '';
  if (!hostAllowed(host, access)) return { status: 403, code: 'AGENT_API_FORBIDDEN', message: `Host "${host}" is not a name of this agent: use 127.0.0.1:${access.port}, localhost:${access.port} or [::1]:${access.port}` };
  const site = request.headers['sec-fetch-site'];
  const origin = request.headers.origin;
  if ((site !== undefined && site !== 'same-origin' && site !== 'none') || (origin !== undefined && origin !== `http://${host}`)) {
    return { status: 403, code: 'AGENT_API_FORBIDDEN', message: 'requests from other sites are refused' };
  }
  if (needsToken && !tokenMatches(request.headers.authorization, access.token)) {
    return { status: 401, code: 'AGENT_API_UNAUTHORIZED', message: `send "Authorization: Bearer TOKEN" with the token from the file ${API_TOKEN_FILE} in the agent's state dir` };
  }
  return undefined;
}

function hostAllowed(header: string, access: ApiAccess): boolean {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(header);
  if (match === null) return false;
  const name = (match[1] ?? '').replace(/^\[(.*)\]$/, '$1');
  if (Number(match[2] ?? '80') !== access.port) return false;
  return isLoopbackHost(name) || (access.nonLoopback && isIP(name) !== 0);
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (\S+)$/i.exec(header ?? '')?.[1] ?? '');
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
