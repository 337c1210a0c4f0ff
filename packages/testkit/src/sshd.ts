/**
 * A real OpenSSH server for tests on 127.0.0.1 (random port) that accepts one generated client
 * key, with a known_hosts file for its generated host key. Git runs over it as `ssh://` URLs.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { componentMissing } from './git-repo.ts';
import { freePort } from './free-port.ts';

const execFileAsync = promisify(execFile);

/** sshd must be started by its absolute path. */
export const SSHD_PATH = '/usr/sbin/sshd';

export interface Sshd {
  port: number;
  /** `ssh://<current user>@127.0.0.1:PORT<absolute path>`. */
  url(repoPath: string): string;
  /** A private key the server accepts (mode 0600). */
  clientKeyFile: string;
  /** known_hosts with the server's host key for `[127.0.0.1]:PORT`. */
  knownHostsFile: string;
  /** The last lines sshd logged, for diagnostics. */
  log(): string;
  close(): Promise<void>;
}

/** True when sshd and ssh-keygen are installed; otherwise fails under CI=true or skips the test. */
export async function requireSshd(t: TestContext): Promise<boolean> {
  const keygen = await execFileAsync('ssh-keygen', ['-?']).then(() => true, (error: NodeJS.ErrnoException) => error.code !== 'ENOENT');
  if (existsSync(SSHD_PATH) && keygen) return true;
  componentMissing(t, `OpenSSH server is not installed (${SSHD_PATH} or ssh-keygen missing; apt-get install openssh-server)`);
  return false;
}

export async function startSshd(options: { dir?: string } = {}): Promise<Sshd> {
  const dir = options.dir ?? await mkdtemp(join(tmpdir(), 'trueup-sshd-'));
  await mkdir(dir, { recursive: true });
  const hostKey = join(dir, 'host_ed25519');
  const clientKeyFile = join(dir, 'client_ed25519');
  await keygen(hostKey, 'trueup-test-host');
  await keygen(clientKeyFile, 'trueup-test-client');
  const authorizedKeys = join(dir, 'authorized_keys');
  await writeFile(authorizedKeys, await readFile(`${clientKeyFile}.pub`), { mode: 0o600 });
  // Privilege separation directory, required when sshd runs as root.
  if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true, mode: 0o755 }).catch(() => undefined);

  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const config = join(dir, 'sshd_config');
    await writeFile(config, sshdConfig({ port, hostKey, authorizedKeys, pidFile: join(dir, 'sshd.pid') }));
    const child = spawn(SSHD_PATH, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => { log = (log + chunk).slice(-16384); });
    try {
      await waitForPort(port, child, () => log);
    } catch (error) {
      lastError = error as Error;
      await stop(child);
      continue;
    }
    const hostPublic = (await readFile(`${hostKey}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
    const knownHostsFile = join(dir, 'known_hosts');
    await writeFile(knownHostsFile, `[127.0.0.1]:${port} ${hostPublic}\n`);
    const user = userInfo().username;
    return {
      port,
      url: (repoPath) => `ssh://${user}@127.0.0.1:${port}${repoPath.startsWith('/') ? '' : '/'}${repoPath}`,
      clientKeyFile,
      knownHostsFile,
      log: () => log,
      close: async () => {
        await stop(child);
        if (options.dir === undefined) await rm(dir, { recursive: true, force: true });
      },
    };
  }
  throw new Error(`sshd did not start: ${lastError?.message ?? 'unknown error'}`);
}

function sshdConfig(o: { port: number; hostKey: string; authorizedKeys: string; pidFile: string }): string {
  return [
    'ListenAddress 127.0.0.1',
    `Port ${o.port}`,
    `HostKey ${o.hostKey}`,
    `PidFile ${o.pidFile}`,
    `AuthorizedKeysFile ${o.authorizedKeys}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'StrictModes no',
    'UsePAM no',
    'UseDNS no',
    'PrintMotd no',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}

async function keygen(file: string, comment: string): Promise<void> {
  await rm(file, { force: true });
  await rm(`${file}.pub`, { force: true });
  await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`sshd exited (${child.exitCode ?? child.signalCode}): ${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`sshd did not listen on 127.0.0.1:${port} within 10s: ${log()}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
