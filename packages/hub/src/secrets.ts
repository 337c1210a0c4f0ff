/**
 * Secrets the hub hands out (join tokens, agent credentials, API tokens): `PREFIX.ID.SECRET`,
 * where the hub stores only an scrypt hash of SECRET under ID. Shown once; never logged.
 */
import { randomBytes, scrypt, timingSafeEqual, type BinaryLike, type ScryptOptions } from 'node:crypto';

const KEY_LENGTH = 32;
const PARAMS = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

function scryptAsync(secret: BinaryLike, salt: BinaryLike, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, KEY_LENGTH, options, (error, key) => (error === null ? resolve(key) : reject(error))));
}

/** `scrypt$N$r$p$salt$hash`, all base64url. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scryptAsync(secret, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p), maxmem: PARAMS.maxmem });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

export function randomId(): string {
  return randomBytes(9).toString('base64url');
}

/** `n` ids as randomId makes them, from one read of the random source (a push's thousands of commands). */
export function randomIds(n: number): string[] {
  const bytes = randomBytes(9 * n);
  return Array.from({ length: n }, (_, i) => bytes.toString('base64url', 9 * i, 9 * i + 9));
}

export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Splits `PREFIX.ID.SECRET`; undefined when it is not one. */
export function parseSecretToken(prefix: string, token: string): { id: string; secret: string } | undefined {
  const match = /^([a-z]+)\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{16,256})$/.exec(token.trim());
  if (match?.[1] !== prefix || match[2] === undefined || match[3] === undefined) return undefined;
  return { id: match[2], secret: match[3] };
}
