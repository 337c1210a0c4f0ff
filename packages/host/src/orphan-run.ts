/**
 * A Command run an earlier agent started and never saw end (it was killed meanwhile): the run
 * goes on in its own process group, its output going to files. Before the Command runs again,
 * that run is waited for — never two at once — up to the end of its own timeout, after which its
 * group is killed.
 */
import { groupAlive, isSameProcess, signalGroup } from './proc-stat.ts';
import type { ProcessRef } from './service-process.ts';
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
 * Waits until the recorded run's leader has exited (a run ends there, as when the agent watches
 * it: what it left in the background is not waited for); past `timeoutMs` after it started, its
 * group is SIGKILLed, as runCommand does on a timeout. Returns whether it was still running.
 */
export async function settleOrphanRun(state: StateStore, name: string, running: RunningRecord, timeoutMs: number): Promise<boolean> {
  const leader = await findLeader(state, name, running);
  if (leader === undefined) return false;
  const started = Date.parse(running.startedAt);
  const deadline = (Number.isNaN(started) ? Date.now() : started) + timeoutMs;
  const ended = (): Promise<boolean> => isSameProcess(leader.pid, leader.startTime).then((alive) => !alive);
  if (await waitUntil(ended, deadline)) return true;
  signalGroup(leader.pid, 'SIGKILL');
  await waitUntil(async () => (await ended()) && !(await groupAlive(leader.pid)), Date.now() + KILL_WAIT_MS);
  return true;
}

/** The leader of the run by its recorded pid and start time, else by its mark (the agent died before recording the pid). */
async function findLeader(state: StateStore, name: string, running: RunningRecord): Promise<ProcessRef | undefined> {
  if (running.pid !== undefined && running.startTime !== undefined) {
    return (await isSameProcess(running.pid, running.startTime)) ? { pid: running.pid, startTime: running.startTime } : undefined;
  }
  const marked = await findMarked('Command', state.application, state.id);
  const leader = marked.find((proc) => proc.name === name && proc.launch === running.launch && proc.pid === proc.pgrp);
  return leader === undefined ? undefined : { pid: leader.pid, startTime: leader.startTime };
}

async function waitUntil(condition: () => Promise<boolean>, deadline: number): Promise<boolean> {
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
