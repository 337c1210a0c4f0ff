/**
 * The processes of one job. Each step runs in a process group of its own; every group is
 * remembered, and all are killed when the job ends, is cancelled or times out — so a daemon a
 * step left behind dies with the job. A process that left its group (setsid) still carries the
 * job's tracking id in its environment, and is found by it.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';

export const TRACKING_VARIABLE = 'TRUEUP_TRACKING_ID';

export interface StepProcess {
  argv: readonly string[];
  cwd: string;
  env: Record<string, string>;
  onStdout: (chunk: Buffer) => void;
  onStderr: (chunk: Buffer) => void;
  signal: AbortSignal;
}

export type StepExit = { kind: 'exited'; code: number | null; signal: NodeJS.Signals | null } | { kind: 'not-started'; error: Error } | { kind: 'aborted' };

/** After the step's process exits, how long its output may still arrive (a daemon may hold the pipe). */
const DRAIN_MS = 200;

export class JobProcesses {
  readonly trackingId: string;
  readonly #groups = new Set<number>();

  constructor(trackingId: string) {
    this.trackingId = trackingId;
  }

  run(step: StepProcess): Promise<StepExit> {
    return new Promise<StepExit>((resolve) => {
      if (step.signal.aborted) {
        resolve({ kind: 'aborted' });
        return;
      }
      const [command, ...args] = step.argv;
      const child = spawn(command as string, args, { cwd: step.cwd, env: { ...step.env, [TRACKING_VARIABLE]: this.trackingId }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      if (child.pid !== undefined) this.#groups.add(child.pid);
      let settled = false;
      let exit: StepExit | undefined;
      const finish = (): void => {
        if (settled || exit === undefined) return;
        settled = true;
        clearTimeout(drainTimer);
        step.signal.removeEventListener('abort', onAbort);
        child.stdout.destroy();
        child.stderr.destroy();
        // An empty group is forgotten: its number may be reused by another process later.
        if (child.pid !== undefined && !groupExists(child.pid)) this.#groups.delete(child.pid);
        resolve(step.signal.aborted ? { kind: 'aborted' } : exit);
      };
      let drainTimer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        this.killGroup(child.pid);
      };
      step.signal.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', step.onStdout);
      child.stderr.on('data', step.onStderr);
      child.on('error', (error) => {
        exit ??= { kind: 'not-started', error };
        finish();
      });
      child.on('exit', (code, signal) => {
        exit = { kind: 'exited', code, signal };
        drainTimer = setTimeout(finish, DRAIN_MS);
      });
      child.on('close', finish);
    });
  }

  killGroup(pid: number | undefined): void {
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  }

  /** Kills every process the job started: its groups, then anything carrying its tracking id. */
  async killAll(): Promise<number> {
    for (const pid of this.#groups) this.killGroup(pid);
    this.#groups.clear();
    const stragglers = await findTracked(this.trackingId);
    for (const pid of stragglers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    return stragglers.length;
  }
}

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A tracking id names the runner process that owns the job (`PID.START-TIME.RANDOM`), so that
 * processes of a runner that was killed (`kill -9`, no chance to clean up) can be recognised
 * later as orphans: their owner is gone, or the pid now belongs to another process.
 */
export async function newTrackingId(): Promise<string> {
  return `${await ownerId()}.${randomUUID()}`;
}

/** This runner process, as `PID.START-TIME`: what names it in tracking ids and run folders. */
export async function ownerId(): Promise<string> {
  return `${process.pid}.${await startTime(process.pid)}`;
}

/** Whether the runner process named by `PID.START-TIME` still runs. */
export async function ownerAlive(owner: string): Promise<boolean> {
  const [pid = '', start = ''] = owner.split('.');
  return /^\d+$/.test(pid) && start !== '' && (await startTime(Number(pid))) === start;
}

/** Processes whose environment holds the tracking id (readable for the runner's own user). */
export async function findTracked(trackingId: string): Promise<number[]> {
  return (await trackedProcesses()).filter((p) => p.trackingId === trackingId).map((p) => p.pid);
}

async function trackedProcesses(): Promise<{ pid: number; trackingId: string }[]> {
  const found: { pid: number; trackingId: string }[] = [];
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return found;
  }
  const prefix = `${TRACKING_VARIABLE}=`;
  await Promise.all(entries.filter((name) => /^\d+$/.test(name)).map(async (name) => {
    const pid = Number(name);
    if (pid === process.pid) return;
    try {
      const environ = await readFile(`/proc/${name}/environ`, 'latin1');
      const entry = environ.split('\0').find((e) => e.startsWith(prefix));
      if (entry !== undefined) found.push({ pid, trackingId: entry.slice(prefix.length) });
    } catch {
      // gone, or not ours to read
    }
  }));
  return found;
}

/** Kills processes left by runners that died without cleaning up; returns how many. */
export async function reapOrphans(): Promise<number> {
  let killed = 0;
  const owners = new Map<string, boolean>();
  for (const { pid, trackingId } of await trackedProcesses()) {
    const [ownerPid = '', ownerStart = ''] = trackingId.split('.');
    const key = `${ownerPid}.${ownerStart}`;
    if (!owners.has(key)) owners.set(key, await ownerAlive(key));
    if (owners.get(key) === true) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed += 1;
    } catch {
      // exited meanwhile
    }
  }
  return killed;
}

/** The process's start time in clock ticks since boot (field 22 of /proc/PID/stat), or '' when gone. */
async function startTime(pid: number): Promise<string> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}
