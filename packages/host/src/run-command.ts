/**
 * Runs a command to completion (Commands, `unless`, exec health checks): its own process group,
 * killed whole on timeout, the tail of its output kept for messages (from pipes, or from files for
 * a Command, whose run must survive the agent).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { constants } from 'node:os';
import { argvOf } from './command-line.ts';
import { signalGroup } from './proc-stat.ts';

const TAIL_BYTES = 8 * 1024;
/** After exit, how long to wait for output still held by processes the command left behind. */
const DRAIN_MS = 200;

export interface RunOptions {
  command: string | readonly string[];
  env: Record<string, string>;
  cwd: string;
  timeoutMs: number;
  /** Called once the process is spawned, before anything waits on it. */
  onSpawn?: (pid: number) => void | Promise<void>;
  /**
   * Files (truncated) for its output instead of pipes: a run that outlives the agent then keeps
   * writing, where a pipe with no reader would end it with SIGPIPE at its next line.
   */
  output?: OutputFiles;
}

export interface OutputFiles {
  stdout: string;
  stderr: string;
}

export interface RunResult {
  /** The exit code; 128 + n for a signal; undefined when it could not start. */
  exitCode: number | undefined;
  timedOut: boolean;
  /** Why it could not start (ENOENT…). */
  error?: string;
  stdout: string;
  stderr: string;
}

export async function runCommand(options: RunOptions): Promise<RunResult> {
  const [program, args] = argvOf(options.command);
  const files = options.output === undefined ? undefined : await openOutput(options.output);
  let child: ChildProcess;
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null } | Error>;
  try {
    child = spawn(program, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', files?.[0].fd ?? 'pipe', files?.[1].fd ?? 'pipe'] });
    const spawned = child;
    exited = new Promise((resolve) => {
      spawned.once('error', resolve);
      spawned.once('exit', (code, signal) => resolve({ code, signal }));
    });
  } finally {
    // The child holds its own copies; the agent keeps none, so a kill of the agent cannot break them.
    await Promise.all((files ?? []).map((file) => file.close()));
  }
  const stdout = new Tail();
  const stderr = new Tail();
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  const closed = once(child, 'close').catch(() => undefined);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
  }, options.timeoutMs);
  try {
    if (child.pid !== undefined) await options.onSpawn?.(child.pid);
    const exit = await exited;
    if (exit instanceof Error) return { exitCode: undefined, timedOut: false, error: exit.message, stdout: '', stderr: '' };
    const exitCode = exit.code ?? 128 + signalNumber(exit.signal);
    if (options.output !== undefined) {
      const [out, err] = await Promise.all([readTail(options.output.stdout), readTail(options.output.stderr)]);
      return { exitCode, timedOut, stdout: out, stderr: err };
    }
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, DRAIN_MS))]);
    child.stdout?.destroy();
    child.stderr?.destroy();
    return { exitCode, timedOut, stdout: stdout.text(), stderr: stderr.text() };
  } finally {
    clearTimeout(timer);
  }
}

/** New files: unlinked first, so whatever an earlier run left in the background writes elsewhere. */
async function openOutput(output: OutputFiles): Promise<[FileHandle, FileHandle]> {
  await Promise.all([rm(output.stdout, { force: true }), rm(output.stderr, { force: true })]);
  const out = await open(output.stdout, 'w', 0o600);
  try {
    return [out, await open(output.stderr, 'w', 0o600)];
  } catch (error) {
    await out.close();
    throw error;
  }
}

/** The last TAIL_BYTES of a file, as text ('' when it is missing). */
async function readTail(file: string): Promise<string> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch {
    return '';
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

/** The last lines of a command's output, for an error message. */
export function lastLines(text: string, count = 10): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

export function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === null ? 0 : constants.signals[signal];
}

/** Keeps the last TAIL_BYTES of a stream. */
class Tail {
  #chunks: Buffer[] = [];
  #size = 0;

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#chunks.length > 1 && this.#size - (this.#chunks[0]?.length ?? 0) >= TAIL_BYTES) {
      this.#size -= this.#chunks.shift()?.length ?? 0;
    }
  }

  text(): string {
    const all = Buffer.concat(this.#chunks);
    return all.subarray(Math.max(0, all.length - TAIL_BYTES)).toString('utf8');
  }
}
