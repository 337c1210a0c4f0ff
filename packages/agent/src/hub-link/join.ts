/**
 * Joining a hub with a one-time token: fetch the hub's CA, check it against the SHA-256 the
 * token carries, then — trusting only that CA — exchange the token for this agent's credential,
 * kept in the state dir (0600). A state dir that already holds a credential does not join again.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { decodeJoinToken, LinkErrors, proxyAgent, proxyFromEnvironment } from '@trueup/link';

export interface HubCredential {
  hubUrl: string;
  environment: string;
  credential: string;
  /** PEM of the one CA this agent trusts for the hub. */
  ca: string;
}

export const HUB_LINK_DIR = 'hub-link';
const CREDENTIAL_FILE = 'credential.json';

export function credentialFile(stateDir: string): string {
  return join(stateDir, HUB_LINK_DIR, CREDENTIAL_FILE);
}

export async function readCredential(stateDir: string): Promise<HubCredential | undefined> {
  const file = credentialFile(stateDir);
  if (!existsSync(file)) return undefined;
  return JSON.parse(await readFile(file, 'utf8')) as HubCredential;
}

/** Joins unless the state dir already holds a credential; returns the credential in force. */
export async function joinHub(stateDir: string, tokenFile: string, proxy?: string): Promise<HubCredential> {
  const existing = await readCredential(stateDir);
  if (existing !== undefined) return existing;
  const token = decodeJoinToken(await readFile(tokenFile, 'utf8'), tokenFile);
  const base = token.url.replace(/\/$/, '');
  const via = proxy ?? proxyFromEnvironment(base);
  const tunnel = via === undefined ? {} : { proxy: via };
  // The CA is fetched without verification, then trusted only if its hash is the token's.
  const ca = await call(`${base}/api/v1/pki/ca.pem`, { method: 'GET', rejectUnauthorized: false, ...tunnel });
  if (ca.status !== 200) throw LinkErrors.create('LINK_HUB_UNREACHABLE', `the hub answered HTTP ${ca.status} for its CA`);
  const fingerprint = createHash('sha256').update(new X509Certificate(ca.body).raw).digest('hex');
  if (fingerprint !== token.caSha256) throw LinkErrors.create('LINK_CA_MISMATCH', `the hub's CA has SHA-256 ${fingerprint}, the join token says ${token.caSha256}: not joining`);
  const answer = await call(`${base}/api/v1/agents/join`, { method: 'POST', ca: ca.body, body: JSON.stringify({ id: token.id, secret: token.secret }), ...tunnel });
  if (answer.status !== 200) {
    const problem = safeJson(answer.body);
    throw LinkErrors.create('LINK_JOIN_REFUSED', `the hub refused the join token (HTTP ${answer.status}${problem?.code === undefined ? '' : `, ${problem.code}`}): ${problem?.message ?? answer.body.slice(0, 200)}`, { file: tokenFile });
  }
  const joined = JSON.parse(answer.body) as { environment: string; credential: string };
  const credential: HubCredential = { hubUrl: base, environment: joined.environment, credential: joined.credential, ca: ca.body };
  const file = credentialFile(stateDir);
  await mkdir(join(stateDir, HUB_LINK_DIR), { recursive: true, mode: 0o700 });
  await writeFile(`${file}.new`, `${JSON.stringify(credential, null, 2)}\n`, { mode: 0o600 });
  await rename(`${file}.new`, file);
  return credential;
}

function safeJson(text: string): { code?: string; message?: string } | undefined {
  try {
    return JSON.parse(text) as { code?: string; message?: string };
  } catch {
    return undefined;
  }
}

function call(url: string, options: { method: string; ca?: string; rejectUnauthorized?: boolean; body?: string; proxy?: string }): Promise<{ status: number; body: string }> {
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
