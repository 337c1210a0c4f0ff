/**
 * Credentials of the Kubernetes test environment. Node cannot issue X.509 certificates, so the
 * API server signs its own serving certificate into --cert-dir (apiserver.crt holds the leaf
 * followed by its CA and serves as the CA bundle), clients authenticate with static bearer tokens
 * (--token-auth-file), and service-account tokens are signed with an RSA key made here.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const ADMIN_USER = 'trueup-admin';
export const RESTRICTED_USER = 'trueup-restricted';

export interface Tokens {
  /** In group system:masters: allowed everything. */
  admin: string;
  /** Authenticated, with no role bound: forbidden nearly everything. */
  restricted: string;
}

export interface PkiFiles {
  tokens: Tokens;
  tokensFile: string;
  saKey: string;
  saPub: string;
  /** Written by kube-apiserver at its first start. */
  caFile: string;
}

/** Writes tokens.csv and the service-account key pair into `pkiDir` (0600). */
export async function writePki(pkiDir: string): Promise<PkiFiles> {
  const tokens: Tokens = { admin: randomBytes(24).toString('hex'), restricted: randomBytes(24).toString('hex') };
  const tokensFile = join(pkiDir, 'tokens.csv');
  // token,user,uid,"group,group"
  await writeFile(tokensFile, [
    `${tokens.admin},${ADMIN_USER},uid-${ADMIN_USER},"system:masters"`,
    `${tokens.restricted},${RESTRICTED_USER},uid-${RESTRICTED_USER}`,
    '',
  ].join('\n'), { mode: 0o600 });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const saKey = join(pkiDir, 'sa.key');
  const saPub = join(pkiDir, 'sa.pub');
  await writeFile(saKey, privateKey, { mode: 0o600 });
  await writeFile(saPub, publicKey, { mode: 0o600 });
  return { tokens, tokensFile, saKey, saPub, caFile: join(pkiDir, 'apiserver.crt') };
}

/** A kubeconfig (YAML) with one cluster, one user and one current context. */
export function kubeconfigYaml(o: { server: string; ca: string; user: string; token: string }): string {
  const ca = Buffer.from(o.ca).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: trueup-testenv',
    '  cluster:',
    `    server: ${o.server}`,
    `    certificate-authority-data: ${ca}`,
    'users:',
    `- name: ${o.user}`,
    '  user:',
    `    token: ${o.token}`,
    'contexts:',
    `- name: ${o.user}@trueup-testenv`,
    '  context:',
    '    cluster: trueup-testenv',
    `    user: ${o.user}`,
    '    namespace: default',
    `current-context: ${o.user}@trueup-testenv`,
    'preferences: {}',
    '',
  ].join('\n');
}
