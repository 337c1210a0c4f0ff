/**
 * Joining a hub with a one-time token: fetch the hub's CA, check it against the SHA-256 the
 * token carries, then — trusting only that CA — exchange the token for this agent's credential,
 * kept in the state dir (0600). A state dir that already holds a credential does not join again.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJoinToken, exchangeJoinToken, proxyFromEnvironment, writeCredentialFile } from '@trueup/link';

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
  const { hubUrl, ca, joined } = await exchangeJoinToken(token, '/api/v1/agents/join', {}, { tokenFile, proxy: proxy ?? proxyFromEnvironment(token.url), what: 'join token' });
  const { environment, credential } = joined as { environment: string; credential: string };
  const hub: HubCredential = { hubUrl, environment, credential, ca };
  await writeCredentialFile(credentialFile(stateDir), hub);
  return hub;
}
