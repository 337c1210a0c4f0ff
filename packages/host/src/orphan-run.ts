/**
 * A Command run an earlier agent started and never saw end (it was killed meanwhile): the run
 * goes on in its own process group. Before the Command runs again, that run is waited for — never
 * two at once — up to the end of its own timeout, after which its group is killed.
 */
import { groupAlive, isSameProcess, signalGroup } from './proc-stat.ts';
import { findMarked } from './process-marker.ts';
import type { StateStore } from './state-store.ts';

/** Written before the spawn; the pid and its start time once spawned. */
export interface RunningRecord {
  launch: string;
  startedAt: string;
  pid?: number;
  startTime?: number;
}

const POLL_MS = 100;
const KILL_WAIT_MS = 5000;

/**
 * Waits until no process of the recorded run lives; past `timeoutMs` after it started, SIGKILLs
 * its groups. Returns whether anything of it was still running.
 */
export async function settleOrphanRun(state: StateStore, name: string, running: RunningRecord, timeoutMs: number): Promise<boolean> {
  const groups = new Set<number>();
  if (running.pid !== undefined && running.startTime !== undefined && (await isSameProcess(running.pid, running.startTime))) groups.add(running.pid);
  for (const proc of await findMarked('Command', state.application, state.id)) {
    if (proc.name === name && proc.launch === running.launch) groups.add(proc.pgrp);
  }
  if (groups.size === 0) return false;
  const started = Date.parse(running.startedAt);
  const deadline = (Number.isNaN(started) ? Date.now() : started) + timeoutMs;
  if (await waitGone(groups, deadline)) return true;
  for (const pgid of groups) signalGroup(pgid, 'SIGKILL');
  await waitGone(groups, Date.now() + KILL_WAIT_MS);
  return true;
}

async function waitGone(groups: ReadonlySet<number>, deadline: number): Promise<boolean> {
  for (;;) {
    let alive = false;
    for (const pgid of groups) if (await groupAlive(pgid)) alive = true;
    if (!alive) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
