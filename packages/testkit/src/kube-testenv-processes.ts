/**
 * Processes of the Kubernetes test environment: each component runs detached in a session of its
 * own (it outlives the process that started it), with stdout and stderr appended to a log file.
 * A pid is trusted only while /proc gives it the start time recorded at spawn, so a recycled pid
 * is never signalled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';

export interface ComponentProcess {
  name: string;
  pid: number;
  /** Absolute path of the executable. */
  bin: string;
  /** Its arguments, to start it again the same way (absent in records of older launchers). */
  args?: string[];
  /** Start time of `pid` (clock ticks since boot, /proc/PID/stat): tells it from a recycled pid. */
  startTime: string;
  log: string;
}

export interface Started extends ComponentProcess {
  child: ChildProcess;
  /** Size of the log when this process started: what it wrote begins there. */
  logOffset: number;
  /** Set once the process has exited (code or signal). */
  exited(): string | undefined;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `bin` detached (own session), output appended to `log`; the handle does not keep Node alive. */
export function spawnComponent(name: string, bin: string, args: readonly string[], options: { log: string; env?: NodeJS.ProcessEnv; cwd?: string }): Started {
  const fd = openSync(options.log, 'a');
  const logOffset = fstatSync(fd).size;
  let child: ChildProcess;
  try {
    child = spawn(bin, args, { detached: true, stdio: ['ignore', fd, fd], env: options.env ?? process.env, cwd: options.cwd });
  } finally {
    closeSync(fd);
  }
  let exit: string | undefined;
  let spawnError: string | undefined;
  child.once('error', (error) => { spawnError = error.message; });
  child.once('exit', (code, signal) => { exit = signal === null ? `exited with code ${code ?? '?'}` : `killed by ${signal}`; });
  child.unref();
  const pid = child.pid ?? -1;
  return {
    name,
    pid,
    bin,
    args: [...args],
    startTime: procStat(pid)?.startTime ?? '',
    log: options.log,
    child,
    logOffset,
    exited: () => spawnError ?? exit ?? (child.pid === undefined ? 'did not start' : undefined),
  };
}

/** State and start time of a process, from /proc/PID/stat; undefined when there is none. */
function procStat(pid: number): { state: string; startTime: string } | undefined {
  if (pid <= 0) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After "pid (comm) ": state is field 3, starttime field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [state, startTime] = [fields[0], fields[19]];
    return state === undefined || startTime === undefined ? undefined : { state, startTime };
  } catch {
    return undefined;
  }
}

/** True while the process started as `p` runs (a zombie or a recycled pid does not count). */
export function isRunning(p: Pick<ComponentProcess, 'pid' | 'startTime'> & { bin?: string }): boolean {
  const stat = procStat(p.pid);
  if (stat === undefined || stat.state === 'Z') return false;
  if ((p.startTime as string | undefined ?? '') !== '') return stat.startTime === p.startTime;
  // A record without a start time: the pid must at least run the same executable.
  try {
    return p.bin !== undefined && readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0')[0] === p.bin;
  } catch {
    return false;
  }
}

/** Start time of a running process (see ComponentProcess.startTime), or undefined. */
export function processStartTime(pid: number): string | undefined {
  const stat = procStat(pid);
  return stat === undefined || stat.state === 'Z' ? undefined : stat.startTime;
}

/** True while process `pid` exists and is not a zombie (for processes not started here). */
export function processAlive(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/** Resident memory of `pid` in KiB, or undefined when it is gone. */
export function rssKiB(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

function signal(p: ComponentProcess, sig: NodeJS.Signals): void {
  if (!isRunning(p)) return;
  try {
    process.kill(-p.pid, sig); // the whole session's process group
  } catch {
    try { process.kill(p.pid, sig); } catch { /* gone meanwhile */ }
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopComponent(p: ComponentProcess, graceMs = 10_000): Promise<void> {
  if (!isRunning(p)) return;
  signal(p, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isRunning(p) && Date.now() < deadline) await sleep(50);
  if (!isRunning(p)) return;
  signal(p, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (isRunning(p) && Date.now() < killDeadline) await sleep(50);
}

/** Best effort, synchronous: for process 'exit' handlers. */
export function killNow(p: ComponentProcess, sig: NodeJS.Signals = 'SIGTERM'): void {
  signal(p, sig);
}


/** The last `lines` lines of a log file ('' when it does not exist). */
export async function logTail(file: string, lines = 40): Promise<string> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return '';
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8').split('\n').slice(-lines - 1).join('\n').trimEnd();
  } finally {
    await handle.close();
  }
}

/** True when a process's log says it could not bind its port (worth a retry on other ports). */
export async function failedOnPortClash(p: Pick<Started, 'log' | 'logOffset'>): Promise<boolean> {
  try {
    const text = (await readFile(p.log)).subarray(p.logOffset).toString('utf8');
    return /address already in use/i.test(text);
  } catch {
    return false;
  }
}
