/**
 * The hub's TLS: on first start a CA and a serving certificate signed by it, in `DATA/pki`
 * (keys 0600). Agents trust only this CA, pinned by its SHA-256 in their join token.
 */
import { createHash, KeyObject, webcrypto, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { HubErrors } from './errors.ts';

export interface HubTls {
  cert: string;
  key: string;
  /** PEM of the CA agents trust (the serving certificate's issuer, or the one given). */
  ca: string;
  caFile: string;
  /** Hex SHA-256 of the CA certificate's DER. */
  caSha256: string;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

export function caFingerprint(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}

/** Loads `DATA/pki`, creating the CA and serving certificate on first start. */
export async function ensurePki(dir: string, names: readonly string[]): Promise<HubTls> {
  const files = { caCert: join(dir, 'ca.crt'), caKey: join(dir, 'ca.key'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
  if (!existsSync(files.caCert) || !existsSync(files.cert)) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const made = await createPki(names);
    await writeFile(files.caKey, made.caKey, { mode: 0o600 });
    await writeFile(files.key, made.key, { mode: 0o600 });
    await writeFile(files.caCert, made.caCert);
    await writeFile(files.cert, made.cert);
  }
  const [ca, cert, key] = await Promise.all([readFile(files.caCert, 'utf8'), readFile(files.cert, 'utf8'), readFile(files.key, 'utf8')]);
  await chmod(files.key, 0o600);
  return { ca, cert, key, caFile: files.caCert, caSha256: caFingerprint(ca) };
}

/** A certificate and key given by the user; the CA agents pin is the last certificate of the chain file, or `caFile`. */
export async function loadTls(certFile: string, keyFile: string, caFile?: string): Promise<HubTls> {
  try {
    const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    const chain = cert.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
    const ca = caFile === undefined ? chain.at(-1) : await readFile(caFile, 'utf8');
    if (ca === undefined) throw new Error(`${certFile} holds no PEM certificate`);
    return { cert, key, ca, caFile: caFile ?? certFile, caSha256: caFingerprint(ca) };
  } catch (error) {
    throw HubErrors.create('HUB_TLS_INVALID', `the TLS certificate or key cannot be used: ${error instanceof Error ? error.message : String(error)}`, {}, { cause: error });
  }
}

/** Names the serving certificate covers: loopback, this host's name, and the listen host. */
export function serverNames(listenHost: string): string[] {
  return [...new Set(['localhost', '127.0.0.1', '::1', hostname(), listenHost].filter((n) => n !== '' && n !== '0.0.0.0' && n !== '::'))];
}

async function createPki(names: readonly string[]): Promise<{ caCert: string; caKey: string; cert: string; key: string }> {
  // Loaded only to make certificates; the library needs the Reflect metadata polyfill first.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  // The library's types name the DOM's Crypto and CryptoKey, which Node's webcrypto implements.
  x509.cryptoProvider.set(webcrypto as never);
  const now = Date.now();
  const caKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=Trueup hub CA ${new Date(now).toISOString().slice(0, 10)}`,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 10 * 365 * DAY_MS),
    keys: caKeys as never,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=trueup-hub',
    issuer: ca.subject,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 2 * 365 * DAY_MS),
    signingKey: caKeys.privateKey as never,
    publicKey: keys.publicKey as never,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: isIP(value) === 0 ? 'dns' as const : 'ip' as const, value }))),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  return { caCert: ca.toString('pem'), caKey: pkcs8(caKeys.privateKey), cert: cert.toString('pem'), key: pkcs8(keys.privateKey) };
}

function pkcs8(key: webcrypto.CryptoKey): string {
  return String(KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }));
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');
}
