/**
 * The system's OpenSSH client (`ssh`) for `trueup/deploy`: the key and the pinned host keys are
 * files written from the job's secrets; an unknown or changed host key is refused, and no
 * password or prompt is ever tried.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { RunnerErrors } from './errors.ts';
import { activeSignal, type JobState } from './job-state.ts';

export interface SshTarget {
  user: string;
  host: string;
  port: number;
}

/** The key and the known hosts, as files (mode 0600) in the step's own folder. */
export interface SshCredentials {
  keyFile: string;
  hostsFile: string;
}

/** `ssh://user@host[:port]` or `user@host`; the user is required (no guessing whose account deploys). */
export function parseSshTarget(text: string): SshTarget {
  const match = /^(?:ssh:\/\/)?([A-Za-z0-9._-]+)@(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/?$/.exec(text.trim());
  const port = Number(match?.[3] ?? '22');
  if (match === null || port < 1 || port > 65535) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: "target" must be ssh://USER@HOST[:PORT], not "${text}"`);
  return { user: match[1] as string, host: (match[2] as string).replace(/^\[|\]$/g, ''), port };
}

/**
 * The target, and the environment's key and known hosts written as files into `dir` (the step's
 * own folder, removed after it). Without known hosts the step does not connect at all.
 */
export async function sshSetup(job: JobState, withs: Record<string, string>, dir: string): Promise<{ target: SshTarget; shown: string; credentials: SshCredentials }> {
  const targetText = withs.target ?? '';
  if (targetText === '') throw RunnerErrors.create('RUNNER_STEP_FAILED', 'trueup/deploy: "target" is required (ssh://USER@HOST[:PORT])');
  const target = parseSshTarget(targetText);
  const secrets = (job.spec.contexts.secrets ?? {}) as Record<string, unknown>;
  const keyName = withs['ssh-key-secret'] || 'SSH_PRIVATE_KEY';
  const hostsName = withs['known-hosts-secret'] || 'SSH_KNOWN_HOSTS';
  const key = typeof secrets[keyName] === 'string' ? secrets[keyName] : '';
  const knownHosts = typeof secrets[hostsName] === 'string' ? secrets[hostsName] : '';
  const where = "among the job's secrets (an environment's secrets reach only a job admitted to it)";
  if (key === '') throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: no secret ${keyName} ${where}: the SSH key comes from the environment's secrets`);
  if (knownHosts.trim() === '') throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: no secret ${hostsName} ${where}: without the host's pinned key Trueup does not connect`);
  const credentials = { keyFile: join(dir, 'key'), hostsFile: join(dir, 'known_hosts') };
  await writeFile(credentials.keyFile, key.endsWith('\n') ? key : `${key}\n`, { mode: 0o600 });
  await writeFile(credentials.hostsFile, knownHosts.endsWith('\n') ? knownHosts : `${knownHosts}\n`, { mode: 0o600 });
  return { target, shown: `ssh://${target.user}@${target.host}:${target.port}`, credentials };
}

/** Single-quotes a word for the remote POSIX shell. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface SshExit {
  code: number;
  /** What the remote command printed, when `captureStdout` was asked for (else it went to the log). */
  stdout: string;
  /** The tail of stderr. */
  stderr: string;
}

/** At most this much of a remote command's stdout is kept (a status JSON of many resources fits). */
const MAX_CAPTURED_STDOUT = 32 * 1024 * 1024;

/**
 * Runs `remote` on the target, with `input` as its stdin. Rejects when ssh itself failed (exit
 * 255: refused host key or key, unreachable host); resolves with the remote command's exit code
 * otherwise. stderr always goes to the job's log; stdout too unless captured.
 */
export function sshExec(job: JobState, target: SshTarget, credentials: SshCredentials, remote: string, input: Readable | undefined, options: { captureStdout?: boolean } = {}): Promise<SshExit> {
  const args = [
    '-F', '/dev/null', '-T',
    '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${credentials.hostsFile}`, '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'IdentitiesOnly=yes', '-o', `IdentityFile=${credentials.keyFile}`, '-o', 'PasswordAuthentication=no', '-o', 'KbdInteractiveAuthentication=no',
    '-o', 'ConnectTimeout=30', '-o', 'ServerAliveInterval=15', '-o', 'LogLevel=ERROR',
    '-p', String(target.port), '-l', target.user, '--', target.host, remote,
  ];
  return new Promise((resolvePromise, reject) => {
    const child = spawn('ssh', args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], signal: activeSignal(job), env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: job.dirs.home } });
    let errors = '';
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    child.stdout?.on('data', (chunk: Buffer) => {
      if (options.captureStdout !== true) return job.log.note(chunk.toString('utf8').replace(/\n$/, ''));
      stdoutBytes += chunk.length;
      if (stdoutBytes <= MAX_CAPTURED_STDOUT) stdout.push(chunk);
      else child.kill();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      errors = (errors + chunk.toString('utf8')).slice(-4000);
      job.log.note(chunk.toString('utf8').replace(/\n$/, ''));
    });
    if (input !== undefined && child.stdin !== null) {
      input.on('error', (error) => child.kill() && reject(error));
      // The remote side may stop reading early (a check failed): its exit says why.
      child.stdin.on('error', () => undefined);
      input.pipe(child.stdin);
    }
    child.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT'
      ? RunnerErrors.create('RUNNER_STEP_FAILED', 'trueup/deploy: the OpenSSH client `ssh` is not installed on this runner')
      : RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: ${error.message}`)));
    child.once('close', (code) => {
      if (stdoutBytes > MAX_CAPTURED_STDOUT) return reject(RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy to ${target.host}: the remote command printed more than ${MAX_CAPTURED_STDOUT} bytes`));
      if (code !== 255) return resolvePromise({ code: code ?? -1, stdout: Buffer.concat(stdout).toString('utf8'), stderr: errors });
      const why = /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/.test(errors)
        ? `the host key of ${target.host}:${target.port} is not the one pinned in the environment's known hosts: refused`
        : /Permission denied/.test(errors) ? `${target.user}@${target.host} refused the environment's key` : `ssh exited 255: ${errors.trim().split('\n').at(-1) ?? ''}`;
      reject(RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy to ${target.host}: ${why}`));
    });
  });
}

/** Runs `remote` on the target; any exit but 0 fails the step. */
export async function runSsh(job: JobState, target: SshTarget, credentials: SshCredentials, remote: string, input: Readable | undefined): Promise<void> {
  const exit = await sshExec(job, target, credentials, remote, input);
  if (exit.code !== 0) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy to ${target.host}: the command on the host exited ${String(exit.code)}: ${exit.stderr.trim().split('\n').at(-1) ?? ''}`);
}
