/**
 * What the services scenario counts on a host: the processes the provider marked for an
 * application (ADR 11), and, independently of the marks, the processes whose argv holds a token.
 */
import { readdir, readFile } from 'node:fs/promises';
import { markedProcesses, type Marked, type MarkedKind } from '@trueup/host';

/** Live marked group leaders (a Service's or a Command run's own process) of `application`, by name. */
export async function markedLeaders(providerStateDir: string, application: string, kind: MarkedKind): Promise<Map<string, Marked[]>> {
  const byName = new Map<string, Marked[]>();
  for (const proc of await markedProcesses(providerStateDir, application, kind)) {
    if (proc.pid !== proc.pgrp) continue; // a child of a leader
    byName.set(proc.name, [...(byName.get(proc.name) ?? []), proc]);
  }
  return byName;
}

/** Pids of live processes one of whose argv entries equals a token (the caller's process excluded), by token. */
export async function processesByArgv(tokens: ReadonlySet<string>): Promise<Map<string, number[]>> {
  const found = new Map<string, number[]>();
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => ''); // empty for a zombie
    for (const arg of cmdline.split('\0')) {
      if (!tokens.has(arg)) continue;
      found.set(arg, [...(found.get(arg) ?? []), Number(entry)]);
      break;
    }
  }
  return found;
}

/** SIGKILLs every marked process of `application` (Services and Command runs) with its group, and the given pids. */
export async function killMarked(providerStateDir: string, application: string, pids: Iterable<number> = []): Promise<number> {
  let killed = 0;
  const kill = (target: number): void => {
    try {
      process.kill(target, 'SIGKILL');
      killed++;
    } catch {
      // already gone
    }
  };
  for (const kind of ['Service', 'Command'] as const) {
    for (const proc of await markedProcesses(providerStateDir, application, kind)) {
      kill(-proc.pgrp);
      kill(proc.pid);
    }
  }
  for (const pid of pids) kill(pid);
  return killed;
}
