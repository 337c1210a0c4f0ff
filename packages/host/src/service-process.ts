/**
 * The process of a Service: spawned detached (its own session and process group) with output
 * appended to a log file, so it outlives the agent; watched through the 'exit' event when the
 * agent spawned it and through /proc when it was adopted; stopped as a group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { open, rename, stat } from 'node:fs/promises';
import { argvOf } from './command-line.ts';
import { HostErrors } from './errors.ts';
import { groupAlive, isSameProcess, readProcStat, signalGroup } from './proc-stat.ts';
import { signalNumber } from './run-command.ts';

/** A log grows up to this size, then moves to `<log>.1` on the next start. */
const MAX_LOG_BYTES = 16 * 1024 * 1024;
const ADOPTED_POLL_MS = 150;
const STOP_POLL_MS = 25;
const KILL_WAIT_MS = 5000;

/** A process by identity: the pid and its start time (pid reuse cannot fool it). */
export interface ProcessRef {
  pid: number;
  startTime: number;
}

export interface Launched {
  ref: ProcessRef;
  /** The exit code (128 + n after signal n), when the agent spawned the process itself. */
  exited: Promise<number>;
  child: ChildProcess;
}

export interface LaunchOptions {
  command: string | readonly string[];
  env: Record<string, string>;
  cwd: string;
  logFile: string;
}

export async function launchDetached(options: LaunchOptions): Promise<Launched> {
  await rotateLog(options.logFile);
  const log = await open(options.logFile, 'a', 0o640);
  try {
    const [program, args] = argvOf(options.command);
    const child = spawn(program, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', log.fd, log.fd] });
    const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? 128 + signalNumber(signal))));
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.unref();
    const pid = child.pid ?? 0;
    const stat = await readProcStat(pid);
    return { ref: { pid, startTime: stat?.startTime ?? 0 }, exited, child };
  } finally {
    await log.close();
  }
}

/**
 * Calls `onExit` once when the process ends: from the 'exit' event of a child, else by polling
 * /proc. The returned function cancels the watch.
 */
export function watchExit(ref: ProcessRef, exited: Promise<number> | undefined, onExit: (code: number | undefined) => void): () => void {
  let cancelled = false;
  let timer: NodeJS.Timeout | undefined;
  const fire = (code: number | undefined): void => {
    if (cancelled) return;
    cancelled = true;
    onExit(code);
  };
  if (exited !== undefined) {
    void exited.then(fire);
  } else {
    const poll = async (): Promise<void> => {
      if (cancelled) return;
      if (!(await isSameProcess(ref.pid, ref.startTime))) return fire(undefined);
      timer = setTimeout(() => void poll(), ADOPTED_POLL_MS).unref();
    };
    void poll();
  }
  return () => {
    cancelled = true;
    clearTimeout(timer);
  };
}

/**
 * Sends `signal` to the process group of `ref` (its pid is the group id), waits up to `timeoutMs`
 * for all of it to end, then SIGKILLs it. A group whose leader has exited is still signalled while
 * any member lives: the kernel does not hand out a pid that is still a live group's id.
 */
export async function stopGroup(ref: ProcessRef, signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
  const gone = async (): Promise<boolean> => !(await isSameProcess(ref.pid, ref.startTime)) && !(await groupAlive(ref.pid));
  if (await gone()) return;
  signalGroup(ref.pid, signal);
  if (await waitFor(gone, timeoutMs)) return;
  signalGroup(ref.pid, 'SIGKILL');
  if (await waitFor(gone, KILL_WAIT_MS)) return;
  throw HostErrors.create('HOST_SERVICE_STOP_FAILED', `process group ${ref.pid} still runs after SIGKILL`);
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, STOP_POLL_MS));
  }
}

async function rotateLog(file: string): Promise<void> {
  const size = await stat(file).then((stats) => stats.size, () => 0);
  if (size > MAX_LOG_BYTES) await rename(file, `${file}.1`);
}
