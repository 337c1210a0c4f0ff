/**
 * Joining a runner with a one-time runner token: the hub's CA is fetched and checked against
 * the token's SHA-256, then — trusting only that CA — the token is exchanged for this runner's
 * credential, kept in the work dir (0600). A work dir holding a credential does not join again.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { decodeJoinToken, LinkErrors } from './join-token.ts';
import { proxyAgent, proxyFromEnvironment } from './proxy.ts';

export interface RunnerCredential {
  hubUrl: string;
  runnerId: string;
  credential: string;
  /** PEM of the one CA this runner trusts for the hub. */
  ca: string;
}

export const RUNNER_CREDENTIAL_FILE = 'runner-credential.json';

export async function joinRunner(workDir: string, tokenFile: string | undefined, name: string): Promise<RunnerCredential> {
  const file = join(workDir, RUNNER_CREDENTIAL_FILE);
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as RunnerCredential;
  if (tokenFile === undefined) throw LinkErrors.create('LINK_JOIN_TOKEN_MALFORMED', `${workDir} holds no runner credential: give --join TOKEN_FILE`);
  const token = decodeJoinToken(await readFile(tokenFile, 'utf8'), tokenFile);
  const base = token.url.replace(/\/$/, '');
  const proxy = proxyFromEnvironment(base);
  // The CA is fetched without verification, then trusted only if its hash is the token's.
  const ca = await call(`${base}/api/v1/pki/ca.pem`, { method: 'GET', rejectUnauthorized: false, proxy });
  if (ca.status !== 200) throw LinkErrors.create('LINK_HUB_UNREACHABLE', `the hub answered HTTP ${ca.status} for its CA`);
  const fingerprint = createHash('sha256').update(new X509Certificate(ca.body).raw).digest('hex');
  if (fingerprint !== token.caSha256) throw LinkErrors.create('LINK_CA_MISMATCH', `the hub's CA has SHA-256 ${fingerprint}, the join token says ${token.caSha256}: not joining`);
  const answer = await call(`${base}/api/v1/runners/join`, { method: 'POST', ca: ca.body, body: JSON.stringify({ id: token.id, secret: token.secret, name }), proxy });
  if (answer.status !== 200) throw LinkErrors.create('LINK_JOIN_REFUSED', `the hub refused the runner token (HTTP ${answer.status}): ${answer.body.slice(0, 200)}`, { file: tokenFile });
  const joined = JSON.parse(answer.body) as { runnerId: string; credential: string };
  const credential: RunnerCredential = { hubUrl: base, runnerId: joined.runnerId, credential: joined.credential, ca: ca.body };
  await mkdir(workDir, { recursive: true, mode: 0o700 });
  await writeFile(`${file}.new`, `${JSON.stringify(credential, null, 2)}\n`, { mode: 0o600 });
  await rename(`${file}.new`, file);
  return credential;
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
