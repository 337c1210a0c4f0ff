/** What the benchmark ran on, for the header of the table. */
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';

function firstLine(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0]?.trim() ?? '';
  } catch {
    return `${command}: not found`;
  }
}

export function describeMachine(): string[] {
  return [
    `CPU: ${availableParallelism()} × ${cpus()[0]?.model ?? 'unknown'}`,
    `Memory: ${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    `Linux ${release()}`,
    `Node.js ${process.version}`,
    firstLine('ansible', ['--version']),
    firstLine('git', ['--version']),
    firstLine('/usr/bin/python3', ['--version']),
    `load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  ];
}
