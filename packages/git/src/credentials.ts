import { constants } from 'node:fs';
import { access, open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isTrueupError, type RepoCredentials } from '@trueup/api';
import { GitErrors } from './errors.ts';
import { registerSecret } from './redact.ts';
import type { Transport } from './repo-url.ts';

/** How git authenticates for one repository: config passed through the environment, never argv. */
export interface GitAuth {
  /** `[key, value]` pairs given to git as GIT_CONFIG_KEY_n / GIT_CONFIG_VALUE_n. */
  config: Array<[string, string]>;
  env: Record<string, string>;
  /** Values that must never appear in a message; also registered globally. */
  secrets: string[];
}

const MAX_SECRET_FILE_BYTES = 64 * 1024;

/**
 * Reads the credentials files of a source. Relative paths resolve against `baseDir` (the folder
 * of the Application file, given by the caller). A missing, unreadable or empty file is
 * GIT_CREDENTIALS_FILE naming the file.
 */
export async function loadAuth(credentials: RepoCredentials | undefined, transport: Transport, baseDir: string, urlUserinfo?: { username: string; password: string }): Promise<GitAuth> {
  // An empty helper list: git never consults a credential store or keychain of the host.
  const auth: GitAuth = { config: [['credential.helper', '']], env: {}, secrets: [] };
  const file = credentials?.passwordFile ?? credentials?.tokenFile;
  if (transport === 'http' && file === undefined && urlUserinfo !== undefined) {
    // Credentials from the URL, taken out of it: the same header a passwordFile gives.
    basicAuth(auth, credentials?.username ?? urlUserinfo.username, urlUserinfo.password);
    return auth;
  }
  if (credentials === undefined) return auth;
  switch (transport) {
    case 'http': {
      if (file === undefined) return auth;
      const field = credentials.passwordFile === undefined ? 'tokenFile' : 'passwordFile';
      const password = await readSecretFile(resolve(baseDir, file), field);
      basicAuth(auth, credentials.username ?? 'git', password);
      return auth;
    }
    case 'ssh': {
      const options = ['-o BatchMode=yes', '-o StrictHostKeyChecking=yes', '-o ConnectTimeout=30'];
      if (credentials.sshKeyFile !== undefined) {
        const key = await checkReadable(resolve(baseDir, credentials.sshKeyFile), 'sshKeyFile');
        // `-o IdentityFile=` rather than `-i`: `-i` checks the path before ssh expands `%%` in it.
        options.unshift(sshFileOption('IdentityFile', key), '-o IdentitiesOnly=yes');
      }
      if (credentials.knownHostsFile !== undefined) {
        const knownHosts = await checkReadable(resolve(baseDir, credentials.knownHostsFile), 'knownHostsFile');
        options.push(sshFileOption('UserKnownHostsFile', knownHosts));
      }
      auth.env['GIT_SSH_COMMAND'] = `ssh ${options.join(' ')}`;
      auth.env['GIT_SSH_VARIANT'] = 'ssh';
      return auth;
    }
    case 'file':
      return auth;
  }
}

/** `Authorization: Basic …` for every request, through GIT_CONFIG_* in git's environment. */
function basicAuth(auth: GitAuth, username: string, password: string): void {
  const encoded = Buffer.from(`${username}:${password}`).toString('base64');
  for (const secret of [password, encoded]) registerSecret(secret);
  auth.secrets.push(password, encoded);
  auth.config.push(['http.extraHeader', `Authorization: Basic ${encoded}`]);
}

/**
 * `-oName="path"` quoted for the shell, then for ssh's own option parser (double quotes,
 * backslash escapes), with `%` doubled because ssh expands `%` tokens in file paths.
 */
function sshFileOption(name: string, path: string): string {
  const forSsh = path.replaceAll('%', '%%').replace(/["\\]/g, '\\$&');
  return shellQuote(`-o${name}="${forSsh}"`);
}

/** Quotes a word for the POSIX shell that git runs GIT_SSH_COMMAND with. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

async function checkReadable(path: string, field: string): Promise<string> {
  try {
    await access(path, constants.R_OK);
    return path;
  } catch (error) {
    throw credentialsFileError(path, field, error);
  }
}

async function readSecretFile(path: string, field: string): Promise<string> {
  let text: string;
  try {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(MAX_SECRET_FILE_BYTES + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > MAX_SECRET_FILE_BYTES) {
        throw GitErrors.create('GIT_CREDENTIALS_FILE', `credentials file "${path}" (${field}) is larger than ${MAX_SECRET_FILE_BYTES} bytes`);
      }
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (isTrueupError(error)) throw error;
    throw credentialsFileError(path, field, error);
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw GitErrors.create('GIT_CREDENTIALS_FILE', `credentials file "${path}" (${field}) is empty`);
  if (/[\r\n]/.test(secret)) throw GitErrors.create('GIT_CREDENTIALS_FILE', `credentials file "${path}" (${field}) must hold one line`);
  return secret;
}

function credentialsFileError(path: string, field: string, cause: unknown) {
  const reason = (cause as NodeJS.ErrnoException).code ?? 'unreadable';
  const hint = reason === 'ENOENT' ? 'it does not exist' : reason === 'EACCES' ? 'permission denied' : reason;
  return GitErrors.create('GIT_CREDENTIALS_FILE', `cannot read credentials file "${path}" (${field}): ${hint}`, { field: `spec.source.credentials.${field}` });
}
