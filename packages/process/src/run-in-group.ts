/**
 * A child process in a process group of its own, bounded by a time limit, a cap on its output
 * and the caller's abort signal. When any of them ends it, the whole group is killed, so what
 * the process started (a `git` under kustomize, an `ssh` under git) never outlives it, as it
 * would with execFile's `timeout`. The caller turns the outcome into its own errors.
 */
import { spawn } from 'node:child_process';

export interface GroupRun {
  /** A path, or a name looked up on `env.PATH`. */
  command: string;
  args: readonly string[];
  cwd?: string | undefined;
  env: Record<string, string>;
  /** Written to stdin, which is then closed; without it, stdin is closed at once. */
  input?: string | undefined;
  timeoutMs: number;
  maxStdoutBytes: number;
  /** Every piece of stderr, as text: the caller keeps what it needs. */
  onStderr: (chunk: string) => void;
  signal?: AbortSignal | undefined;
}

export type GroupOutcome =
  | { kind: 'exited'; code: number | null; signal: NodeJS.Signals | null; stdout: Buffer }
  | { kind: 'timed-out' }
  | { kind: 'too-much-output' }
  | { kind: 'not-started'; error: NodeJS.ErrnoException };

/** Resolves with how the process ended; rejects only when aborted, with the signal's reason. */
export function runInGroup(run: GroupRun): Promise<GroupOutcome> {
  return new Promise<GroupOutcome>((resolve, reject) => {
    run.signal?.throwIfAborted();
    const child = spawn(run.command, run.args, { cwd: run.cwd, env: run.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let ended: GroupOutcome | undefined;
    let aborted: Error | undefined;
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const end = (outcome: GroupOutcome): void => {
      ended ??= outcome;
      killGroup();
    };
    const timer = setTimeout(() => end({ kind: 'timed-out' }), run.timeoutMs);
    const onAbort = (): void => {
      aborted ??= run.signal?.reason instanceof Error ? run.signal.reason : new Error('aborted');
      killGroup();
    };
    run.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > run.maxStdoutBytes) end({ kind: 'too-much-output' });
      else stdout.push(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', run.onStderr);
    child.stdin.on('error', () => undefined); // the process may exit before reading it all
    child.stdin.end(run.input ?? '');
    child.on('error', (error: NodeJS.ErrnoException) => {
      ended ??= { kind: 'not-started', error };
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      run.signal?.removeEventListener('abort', onAbort);
      if (aborted !== undefined) reject(aborted);
      else resolve(ended ?? { kind: 'exited', code, signal, stdout: Buffer.concat(stdout) });
    });
  });
}
