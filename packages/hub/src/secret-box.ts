/**
 * Pipeline secrets at rest: AES-256-GCM with a 32-byte key kept in a file of the data dir
 * (0600, made on first start) or given by file. Each value gets a fresh 12-byte nonce; the
 * sealed form is `v1.` + base64url(nonce ‖ tag ‖ ciphertext), bound to its name and scope as
 * additional data, so a sealed value moved to another name or repository does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { HubErrors } from './errors.ts';

export class SecretBox {
  readonly #key: Buffer;

  private constructor(key: Buffer) {
    this.#key = key;
  }

  /** Reads the key file, making it (32 random bytes, hex) when missing. */
  static async open(file: string): Promise<SecretBox> {
    if (!existsSync(file)) {
      await writeFile(`${file}.new`, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
      await rename(`${file}.new`, file);
    }
    const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'hex');
    if (key.length !== 32) throw HubErrors.create('HUB_REQUEST_INVALID', `${file}: the secrets key must be 64 hex digits (32 bytes)`, { file });
    return new SecretBox(key);
  }

  seal(value: string, scope: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce);
    cipher.setAAD(Buffer.from(scope));
    const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return `v1.${Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  open(sealed: string, scope: string): string {
    if (!sealed.startsWith('v1.')) throw HubErrors.create('HUB_INTERNAL', 'a stored secret has an unknown format');
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(scope));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}

/** The additional data a secret is sealed with: its repository, environment and name. */
export function secretScope(repoKey: string, environment: string, name: string): string {
  return `${repoKey}\n${environment}\n${name}`;
}
