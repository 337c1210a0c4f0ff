/**
 * CPU time of this process and of its reaped children (git, for instance), in ms. Children come
 * from /proc/self/stat (cutime, cstime) in clock ticks, so measure many operations per sample.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

export interface CpuTime {
  selfMs: number;
  childrenMs: number;
}

export function cpuTimeNow(): CpuTime {
  const usage = process.cpuUsage();
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after "(comm) ": state is field 3, cutime field 16, cstime field 17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[13]) + Number(fields[14]);
  return { selfMs: (usage.user + usage.system) / 1000, childrenMs: (ticks * 1000) / ticksPerSecond };
}

/** CPU ms spent between two readings, self and children together. */
export function cpuSpentMs(from: CpuTime, to: CpuTime): number {
  return to.selfMs - from.selfMs + (to.childrenMs - from.childrenMs);
}
