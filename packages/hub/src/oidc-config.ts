/**
 * `trueup hub --oidc-config FILE`: the OpenID Connect provider in a file (YAML or JSON) instead
 * of flags. The client secret stays in its own file (`clientSecretFile`, relative to FILE).
 * Every problem names the file, the line and the field, and the hub does not start.
 *
 *   issuer: https://idp.example.com
 *   clientId: trueup
 *   clientSecretFile: oidc-client.secret
 *   name: Example SSO                       # shown on the login page
 *   scopes: [openid, profile, email, groups, offline_access]
 *   groupsClaim: groups
 *   groupsRefresh: 5m                       # how often a session's groups are asked again
 *   groupsMaxAge: 12h                       # without a refresh token: log in again after this
 *
 * Which group may do what is not here: groups are granted roles in projects in the store
 * (ADR 18), the one place every replica reads.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ApiErrors, fieldError, parseDuration, parseYamlDocuments, validateDocument } from '@trueup/api';
import { z } from 'zod';
import { isLoopback, type OidcOptions } from './oidc.ts';

export const MIN_GROUPS_REFRESH_MS = 10_000;
export const MAX_GROUPS_REFRESH_MS = 24 * 3_600_000;
export const MIN_GROUPS_MAX_AGE_MS = 60_000;
export const MAX_GROUPS_MAX_AGE_MS = 30 * 86_400_000;
const MAX_FILE_BYTES = 64 * 1024;

const OidcConfigSchema = z.strictObject({
  issuer: z.string().min(1).max(2048),
  clientId: z.string().min(1).max(256),
  clientSecretFile: z.string().min(1).max(4096).optional(),
  name: z.string().min(1).max(64).optional(),
  // Scope tokens as RFC 6749 has them: printable ASCII without space, quote or backslash.
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/, 'a scope is printable ASCII without spaces')).min(1).max(32).optional(),
  groupsClaim: z.string().min(1).max(128).optional(),
  groupsRefresh: z.string().min(1).max(32).optional(),
  groupsMaxAge: z.string().min(1).max(32).optional(),
});

/** Reads and checks the provider's file; the client secret comes from its own file. */
export async function readOidcConfig(path: string): Promise<OidcOptions> {
  const file = resolve(path);
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw ApiErrors.create('API_FIELD_INVALID', `cannot read the OpenID Connect configuration: ${error instanceof Error ? error.message : String(error)}`, { file: path });
  });
  const documents = parseYamlDocuments(text, path, { maxBytes: MAX_FILE_BYTES, maxDocuments: 1, maxAliases: 0, maxDepth: 4 });
  const [document] = documents;
  if (document === undefined) throw ApiErrors.create('API_FIELD_INVALID', 'the file is empty: it needs issuer and clientId', { file: path, line: 1 });
  const config = validateDocument(OidcConfigSchema, document, path);

  let issuer: URL;
  try {
    issuer = new URL(config.issuer);
  } catch {
    throw fieldError(document, path, ['issuer'], `"${config.issuer}" is not a URL`);
  }
  if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && isLoopback(issuer.hostname))) throw fieldError(document, path, ['issuer'], 'an issuer must use https (plain http only on a loopback address)');
  if (config.scopes !== undefined && !config.scopes.includes('openid')) throw fieldError(document, path, ['scopes'], 'the scopes must include openid');
  const duration = (field: 'groupsRefresh' | 'groupsMaxAge', min: number, max: number, range: string): number | undefined => {
    const text = config[field];
    if (text === undefined) return undefined;
    const ms = parseDuration(text);
    if (ms === undefined) throw fieldError(document, path, [field], `"${text}" is not a duration such as 5m or 1h`);
    if (ms < min || ms > max) throw fieldError(document, path, [field], `must be between ${range}`);
    return ms;
  };
  const groupsRefreshMs = duration('groupsRefresh', MIN_GROUPS_REFRESH_MS, MAX_GROUPS_REFRESH_MS, '10s and 24h');
  const groupsMaxAgeMs = duration('groupsMaxAge', MIN_GROUPS_MAX_AGE_MS, MAX_GROUPS_MAX_AGE_MS, '1m and 720h');
  let clientSecret: string | undefined;
  if (config.clientSecretFile !== undefined) {
    const secretFile = resolve(dirname(file), config.clientSecretFile);
    clientSecret = (await readFile(secretFile, 'utf8').catch((error: unknown) => {
      throw fieldError(document, path, ['clientSecretFile'], `cannot read ${secretFile}: ${error instanceof Error ? error.message : String(error)}`);
    })).trim();
    if (clientSecret === '') throw fieldError(document, path, ['clientSecretFile'], `${secretFile} is empty`);
  }
  return {
    issuer: config.issuer,
    clientId: config.clientId,
    ...(clientSecret === undefined ? {} : { clientSecret }),
    ...(config.name === undefined ? {} : { name: config.name }),
    ...(config.scopes === undefined ? {} : { scopes: config.scopes.join(' ') }),
    ...(config.groupsClaim === undefined ? {} : { groupsClaim: config.groupsClaim }),
    ...(groupsRefreshMs === undefined ? {} : { groupsRefreshMs }),
    ...(groupsMaxAgeMs === undefined ? {} : { groupsMaxAgeMs }),
  };
}
