/**
 * `trueup login --hub URL`: with `--username U --password-stdin`, a password login whose session
 * mints an API token for this machine; with `--oidc`, the provider's login in a browser, handed
 * back to a listener on 127.0.0.1 (as kubelogin does), whose one-time code the hub trades for a
 * token. The hub's CA is pinned by `--ca-file` or checked against `--ca-sha256`. The token and
 * the CA are saved for later commands; `trueup logout` revokes the token and forgets it.
 */
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { HubClient } from '@trueup/hub';
import type { Command, CommandContext } from '../command.ts';
import { hubKey, hubsFile, savedHub, saveHub } from '../hub-credentials.ts';

const LOGIN_WAIT_MS = 5 * 60_000;
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

export const loginCommand: Command = {
  name: 'login',
  usage: 'trueup login --hub URL [--ca-file F | --ca-sha256 HEX] (--username U --password-stdin | --oidc)',
  summary: 'Log in to a hub (password or OpenID Connect) and save a token for later commands.',
  options: { hub: { type: 'string' }, 'ca-file': { type: 'string' }, 'ca-sha256': { type: 'string' }, username: { type: 'string' }, 'password-stdin': { type: 'boolean' }, oidc: { type: 'boolean' } },
  async run({ values }) {
    const url = hubKey(text(values.hub) ?? text(process.env.TRUEUP_HUB) ?? fail('name the hub: --hub URL'));
    const ca = await pinnedCa(url, values);
    const anonymous = new HubClient({ url, ...(ca === undefined ? {} : { ca: ca.pem }) });
    const name = `cli@${hostname()}`;
    let made: { id: string; token: string; owner: string | null };
    if (values.oidc === true) made = await oidcLogin(url, anonymous, name);
    else {
      const username = text(values.username) ?? fail('give --username U --password-stdin, or --oidc');
      if (values['password-stdin'] !== true) throw new Error('give the password on standard input: --password-stdin');
      made = await passwordLogin(url, ca?.pem, username, await readPassword(), name);
    }
    await saveHub(url, { token: made.token, tokenId: made.id, ...(ca === undefined ? {} : { ca: ca.pem, caSha256: ca.sha256 }), subject: made.owner ?? '', savedAt: new Date().toISOString() });
    process.stderr.write(`Logged in to ${url} as ${made.owner ?? '?'}; token saved in ${hubsFile()}.\n`);
    return 0;
  },
};

export const logoutCommand: Command = {
  name: 'logout',
  usage: 'trueup logout --hub URL',
  summary: 'Revoke the token trueup login saved for a hub, and forget it.',
  options: { hub: { type: 'string' } },
  async run({ values }) {
    const url = hubKey(text(values.hub) ?? text(process.env.TRUEUP_HUB) ?? fail('name the hub: --hub URL'));
    const saved = await savedHub(url);
    if (saved === undefined) {
      process.stderr.write(`Not logged in to ${url}.\n`);
      return 0;
    }
    if (saved.tokenId !== undefined) {
      const client = new HubClient({ url, token: saved.token, ...(saved.ca === undefined ? {} : { ca: saved.ca }) });
      await client.post(`/api/v1/tokens/${encodeURIComponent(saved.tokenId)}/revoke`).catch((error: unknown) => process.stderr.write(`The hub did not revoke the token (${error instanceof Error ? error.message : String(error)}); forgetting it here.\n`));
    }
    await saveHub(url, undefined);
    process.stderr.write(`Logged out of ${url}.\n`);
    return 0;
  },
};

function fail(message: string): never {
  throw new Error(message);
}

/** The CA to trust: a file, or the hub's own CA once its SHA-256 matches; undefined: the system's. */
async function pinnedCa(url: string, values: CommandContext['values']): Promise<{ pem: string; sha256: string } | undefined> {
  const file = text(values['ca-file']) ?? text(process.env.TRUEUP_CA_FILE);
  if (file !== undefined) {
    const pem = await readFile(file, 'utf8');
    return { pem, sha256: fingerprint(pem) };
  }
  const expected = text(values['ca-sha256'])?.toLowerCase().replace(/:/g, '');
  if (expected === undefined) return undefined;
  // Fetched without verification, then trusted only if its hash is the one given.
  const pem = await new Promise<string>((resolve, reject) => {
    const req = request(new URL('/api/v1/pki/ca.pem', url), { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`the hub answered HTTP ${res.statusCode ?? 0} for its CA`))));
    });
    req.on('error', reject);
    req.end();
  });
  const sha256 = fingerprint(pem);
  if (sha256 !== expected) throw new Error(`the hub's CA has SHA-256 ${sha256}, not the ${expected} given: not logging in`);
  return { pem, sha256 };
}

function fingerprint(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}

async function readPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (password === '') throw new Error('--password-stdin: standard input held no password');
  return password;
}

/** Session cookie first, then a token made with it, then the session ended. */
async function passwordLogin(url: string, ca: string | undefined, username: string, password: string, name: string): Promise<{ id: string; token: string; owner: string | null }> {
  const anonymous = new HubClient({ url, ...(ca === undefined ? {} : { ca }) });
  const login = await anonymous.request('POST', '/api/v1/login', { username, password });
  const cookie = [login.headers['set-cookie'] ?? []].flat().map((c) => c.split(';')[0] ?? '').find((c) => c.startsWith('trueup_session='));
  if (cookie === undefined) throw new Error('the hub set no session cookie');
  const session = new HubClient({ url, ...(ca === undefined ? {} : { ca }), headers: { cookie, 'x-trueup-request': '1' } });
  try {
    return await session.post('/api/v1/tokens', { name, ttl: '30d' });
  } finally {
    await session.post('/api/v1/logout').catch(() => undefined);
  }
}

/** The browser logs in at the provider; the hub redirects it to our loopback listener with a one-time code. */
async function oidcLogin(url: string, client: HubClient, name: string): Promise<{ id: string; token: string; owner: string | null }> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  let deliver: (code: string) => void = () => undefined;
  const received = new Promise<string>((resolve) => (deliver = resolve));
  const server = createServer((req, res) => {
    const code = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('code');
    if (code === null) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('Logged in to Trueup: you may close this tab.\n');
    deliver(code);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    const start = `${url}/auth/oidc/login?cli_port=${port}&cli_challenge=${challenge}`;
    process.stderr.write(`Open this URL in a browser to log in:\n${start}\n`);
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([received, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no login within 5 minutes')), LOGIN_WAIT_MS)))]).finally(() => clearTimeout(timer));
    return await client.post('/api/v1/login/cli', { code, verifier, name });
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
