/**
 * Credentials the hub uses to read image tags, by registry `HOST[:PORT]`, from a JSON file kept
 * beside the hub (0600): `{"registry.example.com": {"username": "…", "password": "…"}}`. Never
 * from Git: a promotion file names a repository, not a secret.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { HubErrors } from './errors.ts';
import type { RegistryAuth } from './oci-tags.ts';

const RegistryAuthFileSchema = z.record(z.string().regex(/^[a-z0-9.-]+(:\d{1,5})?$/), z.strictObject({ username: z.string().min(1), password: z.string().min(1) }));

/** The credentials in `file`; none when it does not exist and was not asked for by name. */
export async function readRegistryAuth(file: string, required: boolean): Promise<Record<string, RegistryAuth>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !required) return {};
    throw HubErrors.create('HUB_REQUEST_INVALID', `${file}: cannot read the registry credentials: ${(error as Error).message}`, { file });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw HubErrors.create('HUB_REQUEST_INVALID', `${file}: not JSON (expected {"HOST[:PORT]": {"username", "password"}})`, { file });
  }
  const parsed = RegistryAuthFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw HubErrors.create('HUB_REQUEST_INVALID', `${file}: ${(issue?.path ?? []).map(String).join('.') || 'top level'}: ${issue?.message ?? 'invalid'}`, { file });
  }
  return parsed.data;
}
