/**
 * Joining a runner with a one-time runner token: the hub's CA is fetched and checked against
 * the token's SHA-256, then — trusting only that CA — the token is exchanged for this runner's
 * credential, kept in the work dir (0600). A work dir holding a credential does not join again.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exchangeJoinToken, writeCredentialFile } from './join-exchange.ts';
import { decodeJoinToken, LinkErrors } from './join-token.ts';
import { proxyFromEnvironment } from './proxy.ts';

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
  const { hubUrl, ca, joined } = await exchangeJoinToken(token, '/api/v1/runners/join', { name }, { tokenFile, proxy: proxyFromEnvironment(token.url), what: 'runner token' });
  const { runnerId, credential } = joined as { runnerId: string; credential: string };
  const runner: RunnerCredential = { hubUrl, runnerId, credential, ca };
  await writeCredentialFile(file, runner);
  return runner;
}
