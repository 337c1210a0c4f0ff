/**
 * Git's environment for a private repository whose credentials are held as values (sealed by the
 * hub, handed to a runner for one job), not as files: an HTTPS Basic header through
 * GIT_CONFIG_* (never on git's command line), or an SSH key and the host's known keys written
 * 0600 into a folder of the caller's that it removes afterwards. Host keys are always checked.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RepoSecrets } from '@trueup/api';
import { registerSecret } from './redact.ts';
import { parseRepoUrl } from './repo-url.ts';

export interface RepoSecretsEnv {
  env: Record<string, string>;
  /** Values never to show: the password and the header's encoding of it. */
  masks: string[];
}

export async function repoSecretsEnv(url: string, secrets: RepoSecrets | undefined, dir: string): Promise<RepoSecretsEnv> {
  const config: [string, string][] = [['credential.helper', '']];
  const env: Record<string, string> = {};
  const masks: string[] = [];
  const transport = secrets === undefined ? 'file' : transportOf(url);
  if (secrets !== undefined && transport === 'http' && secrets.password !== undefined) {
    const encoded = Buffer.from(`${secrets.username ?? 'git'}:${secrets.password}`).toString('base64');
    masks.push(secrets.password, encoded);
    for (const mask of masks) registerSecret(mask);
    config.push(['http.extraHeader', `Authorization: Basic ${encoded}`]);
  }
  if (secrets !== undefined && transport === 'ssh') {
    const options = ['-o BatchMode=yes', '-o StrictHostKeyChecking=yes', '-o ConnectTimeout=30'];
    if (secrets.sshKey !== undefined) {
      const key = join(dir, 'repo_key');
      await writeFile(key, secrets.sshKey.endsWith('\n') ? secrets.sshKey : `${secrets.sshKey}\n`, { mode: 0o600 });
      options.push('-o IdentitiesOnly=yes', `-o IdentityFile=${quote(key)}`);
    }
    if (secrets.knownHosts !== undefined) {
      const hosts = join(dir, 'repo_known_hosts');
      await writeFile(hosts, secrets.knownHosts, { mode: 0o600 });
      options.push(`-o UserKnownHostsFile=${quote(hosts)}`);
    }
    env.GIT_SSH_COMMAND = `ssh ${options.join(' ')}`;
    env.GIT_SSH_VARIANT = 'ssh';
  }
  env.GIT_CONFIG_COUNT = String(config.length);
  config.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return { env, masks };
}

/** A path as one word for the shell git runs GIT_SSH_COMMAND with (paths here are the caller's own temp folders). */
function quote(path: string): string {
  return `'${path.replace(/'/g, `'\\''`)}'`;
}

function transportOf(url: string): string {
  try {
    return parseRepoUrl(url).transport;
  } catch {
    return 'file';
  }
}
