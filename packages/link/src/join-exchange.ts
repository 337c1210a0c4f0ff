/**
 * The exchange behind every join (agents and runners): fetch the hub's CA, check it against the
 * SHA-256 the one-time token carries, then — trusting only that CA — trade the token for a
 * credential, written 0600 where the joiner keeps it.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { dirname } from 'node:path';
import { LinkErrors, type JoinToken } from './join-token.ts';
import { proxyAgent } from './proxy.ts';

export interface JoinExchange {
  /** The hub's URL without a trailing slash. */
  hubUrl: string;
  /** PEM of the hub's CA, checked against the token. */
  ca: string;
  /** The hub's answer to the join request. */
  joined: unknown;
}

/** Checks the hub's CA and posts `body` to `path`; a refusal is LINK_JOIN_REFUSED naming `tokenFile`. */
export async function exchangeJoinToken(token: JoinToken, path: string, body: Record<string, unknown>, options: { tokenFile: string; proxy: string | undefined; what: string }): Promise<JoinExchange> {
  const hubUrl = token.url.replace(/\/$/, '');
  // The CA is fetched without verification, then trusted only if its hash is the token's.
  const ca = await call(`${hubUrl}/api/v1/pki/ca.pem`, { method: 'GET', rejectUnauthorized: false, proxy: options.proxy });
  if (ca.status !== 200) throw LinkErrors.create('LINK_HUB_UNREACHABLE', `the hub answered HTTP ${ca.status} for its CA`);
  const fingerprint = createHash('sha256').update(new X509Certificate(ca.body).raw).digest('hex');
  if (fingerprint !== token.caSha256) throw LinkErrors.create('LINK_CA_MISMATCH', `the hub's CA has SHA-256 ${fingerprint}, the join token says ${token.caSha256}: not joining`);
  const answer = await call(`${hubUrl}${path}`, { method: 'POST', ca: ca.body, body: JSON.stringify({ id: token.id, secret: token.secret, ...body }), proxy: options.proxy });
  if (answer.status !== 200) {
    const problem = safeJson(answer.body);
    throw LinkErrors.create('LINK_JOIN_REFUSED', `the hub refused the ${options.what} (HTTP ${answer.status}${problem?.code === undefined ? '' : `, ${problem.code}`}): ${problem?.message ?? answer.body.slice(0, 200)}`, { file: options.tokenFile });
  }
  return { hubUrl, ca: ca.body, joined: JSON.parse(answer.body) };
}

/** Writes a credential whole (aside, then renamed), readable by its owner only. */
export async function writeCredentialFile(file: string, credential: object): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(`${file}.new`, `${JSON.stringify(credential, null, 2)}\n`, { mode: 0o600 });
  await rename(`${file}.new`, file);
}

function safeJson(text: string): { code?: string; message?: string } | undefined {
  try {
    return JSON.parse(text) as { code?: string; message?: string };
  } catch {
    return undefined;
  }
}

function call(url: string, options: { method: string; ca?: string; rejectUnauthorized?: boolean; body?: string; proxy: string | undefined }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: options.method,
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      rejectUnauthorized: options.rejectUnauthorized ?? true,
      ...(options.proxy === undefined ? {} : { agent: proxyAgent(options.proxy) }),
      headers: options.body === undefined ? {} : { 'content-type': 'application/json' },
      timeout: 15_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > 1024 * 1024) req.destroy(new Error('answer larger than 1 MiB'));
        else chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 15 s')));
    req.on('error', (error) => reject(LinkErrors.create('LINK_HUB_UNREACHABLE', `the hub at ${url} cannot be reached: ${error.message}`, {}, { cause: error })));
    req.end(options.body);
  });
}
