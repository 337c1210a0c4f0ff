import { existsSync } from 'node:fs';
import { runInGroup } from '@trueup/process';
import type { GitAuth } from './credentials.ts';
import { GitErrors } from './errors.ts';
import { stripCredentials } from './redact.ts';

/** What a test or a log sees of every git process started: arguments with credentials removed. */
export interface GitCommandEvent {
  /** The git subcommand: `ls-remote`, `fetch`, `read-tree`… */
  command: string;
  args: readonly string[];
}

export type GitCommandHook = (event: GitCommandEvent) => void;

export interface RunGitOptions {
  args: readonly string[];
  cwd?: string;
  auth?: GitAuth;
  env?: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Written to stdin, which is closed afterwards. */
  input?: string;
  onGitCommand?: GitCommandHook | undefined;
  /** What the command works on (a URL without credentials), for messages. */
  target?: string;
}

export interface GitResult {
  exitCode: number;
  stdout: string;
  /** The tail of stderr, credentials removed. */
  stderr: string;
}

const MAX_STDOUT_BYTES = 32 * 1024 * 1024;
const MAX_STDERR_CHARS = 16 * 1024;
/** Inherited GIT_* variables are dropped (a GIT_DIR from a hook would redirect everything) except these. */
const KEPT_GIT_ENV = /^GIT_(SSL_CAINFO|SSL_CAPATH|PROXY_SSL_[A-Z_]+|HTTP_PROXY_AUTHMETHOD|HTTP_USER_AGENT)$/;

let askPass: string | undefined | null = null;

/** A program that answers every prompt with nothing, so git fails instead of waiting for a user. */
function silentAskPass(): string | undefined {
  askPass ??= ['/bin/true', '/usr/bin/true'].find((path) => existsSync(path));
  return askPass;
}

export function gitEnv(auth: GitAuth | undefined, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && (!name.startsWith('GIT_') || KEPT_GIT_ENV.test(name))) env[name] = value;
  }
  // English messages: errors are classified from git's stderr.
  Object.assign(env, { LC_ALL: 'C', LANGUAGE: 'C', GIT_TERMINAL_PROMPT: '0', SSH_ASKPASS_REQUIRE: 'never' });
  const askPassProgram = silentAskPass();
  if (askPassProgram !== undefined) Object.assign(env, { GIT_ASKPASS: askPassProgram, SSH_ASKPASS: askPassProgram });
  const config = auth?.config ?? [];
  env['GIT_CONFIG_COUNT'] = String(config.length);
  config.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return Object.assign(env, auth?.env ?? {}, extra);
}

/**
 * Runs git and collects its output. Resolves with the exit code (callers classify failures);
 * rejects with GIT_TIMEOUT when it outlives `timeoutMs` (the whole process group is killed),
 * GIT_NOT_INSTALLED when there is no git, and the signal's reason when aborted.
 */
export async function runGit(options: RunGitOptions): Promise<GitResult> {
  const secrets = options.auth?.secrets ?? [];
  const shownArgs = options.args.map((arg) => stripCredentials(arg, secrets));
  const command = shownArgs.find((arg) => !arg.startsWith('-')) ?? '';
  options.onGitCommand?.({ command, args: shownArgs });
  let stderr = '';
  const outcome = await runInGroup({
    command: 'git',
    args: options.args,
    cwd: options.cwd,
    env: gitEnv(options.auth, options.env),
    input: options.input ?? '',
    timeoutMs: options.timeoutMs,
    maxStdoutBytes: MAX_STDOUT_BYTES,
    onStderr: (chunk) => {
      stderr = (stderr + chunk).slice(-MAX_STDERR_CHARS);
    },
    signal: options.signal,
  });
  switch (outcome.kind) {
    case 'exited':
      return { exitCode: outcome.code ?? -1, stdout: outcome.stdout.toString('utf8'), stderr: stripCredentials(stderr, secrets) };
    case 'timed-out': {
      const target = options.target === undefined ? '' : ` for ${options.target}`;
      throw GitErrors.create('GIT_TIMEOUT', `git ${command}${target} did not finish within ${options.timeoutMs / 1000}s and was killed: the server or network is slow or stuck; will retry`);
    }
    case 'too-much-output':
      throw GitErrors.create('GIT_CACHE_FAILED', `git ${command} printed more than ${MAX_STDOUT_BYTES} bytes`);
    case 'not-started':
      throw outcome.error.code === 'ENOENT'
        ? GitErrors.create('GIT_NOT_INSTALLED', 'the git command was not found on PATH: install git (2.30 or newer)')
        : GitErrors.create('GIT_CACHE_FAILED', `cannot run git: ${outcome.error.message}`);
  }
}
