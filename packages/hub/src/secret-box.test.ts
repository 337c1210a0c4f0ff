/** Sealing pipeline secrets: a value opens only with its key and scope; the key file is made once, 0600. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SecretBox, secretScope } from './secret-box.ts';

test('sealed values open with their scope only; the key file is kept and reused', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-box-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'secrets.key');
  const box = await SecretBox.open(file);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  const scope = secretScope('example.com/app', 'production', 'KEY');
  const sealed = box.seal('value-1', scope);
  assert.doesNotMatch(sealed, /value-1/);
  assert.notEqual(box.seal('value-1', scope), sealed, 'a fresh nonce each time');
  assert.equal((await SecretBox.open(file)).open(sealed, scope), 'value-1');
  assert.throws(() => box.open(sealed, secretScope('example.com/app', 'staging', 'KEY')));
  const raw = Buffer.from(sealed.slice(3), 'base64url');
  raw[raw.length - 1] = (raw.at(-1) ?? 0) ^ 1;
  assert.throws(() => box.open(`v1.${raw.toString('base64url')}`, scope));
  const other = join(dir, 'other.key');
  await writeFile(other, 'ab'.repeat(32));
  await assert.rejects(async () => (await SecretBox.open(other)).open(sealed, scope));
  assert.equal((await readFile(file, 'utf8')).trim().length, 64);
});
