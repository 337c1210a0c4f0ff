/**
 * SOPS with age for tests: an age key pair made here (X25519 from node:crypto, written in age's
 * Bech32 form), and files encrypted by the real, pinned `sops` (`trueup tools install sops`).
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface AgeKey {
  /** `age1…`: what files are encrypted to. */
  recipient: string;
  /** `AGE-SECRET-KEY-1…`: what decrypts them, one line of an age identity file. */
  identity: string;
}

export function ageKeyPair(): AgeKey {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const raw = (jwk: { d?: string; x?: string }, field: 'd' | 'x'): Buffer => Buffer.from(jwk[field] ?? '', 'base64url');
  return {
    recipient: bech32('age', raw(publicKey.export({ format: 'jwk' }), 'x')),
    identity: bech32('age-secret-key-', raw(privateKey.export({ format: 'jwk' }), 'd')).toUpperCase(),
  };
}

/** `text` (YAML) encrypted to `recipient`, its `data` and `stringData` values only, as Flux's guide does. */
export async function sopsEncrypt(sops: string, text: string, recipient: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-sops-'));
  try {
    const file = join(dir, 'secret.yaml');
    await writeFile(file, text);
    const { stdout } = await run(sops, ['--encrypt', '--age', recipient, '--encrypted-regex', '^(data|stringData)$', file], { cwd: dir, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir } });
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

/** BIP 173 Bech32, as age writes its keys. */
function bech32(hrp: string, bytes: Uint8Array): string {
  const data: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      data.push((acc >> bits) & 31);
    }
  }
  if (bits > 0) data.push((acc << (5 - bits)) & 31);
  const expanded = [...[...hrp].map((c) => c.charCodeAt(0) >> 5), 0, ...[...hrp].map((c) => c.charCodeAt(0) & 31)];
  const mod = polymod([...expanded, ...data, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = [0, 1, 2, 3, 4, 5].map((i) => (mod >>> (5 * (5 - i))) & 31);
  return `${hrp}1${[...data, ...checksum].map((d) => CHARSET[d]).join('')}`;
}

function polymod(values: readonly number[]): number {
  let chk = 1;
  for (const value of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ value;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GENERATOR[i]!;
  }
  return chk;
}
