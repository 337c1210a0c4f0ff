/**
 * Marks the processes the provider starts, so that an agent killed before recording a pid can
 * find them again: each Service and Command process gets `TRUEUP_SERVICE` or `TRUEUP_COMMAND` =
 * `<application>/<name>/<launch>` in its environment, where `<launch>` is `<state id>.<nonce>`
 * (the state id tells apart agents with other state directories). Children inherit it, so every
 * process a launch left behind carries it too. /proc/PID/environ is the environment at exec, so a
 * process that changes its own environment keeps the mark; one that execs with a scrubbed
 * environment (as it might also escape with setsid) is beyond reach without cgroups (ADR 11).
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { readProcStat } from './proc-stat.ts';
import { StateStore } from './state-store.ts';

export type MarkedKind = 'Service' | 'Command';

const VARIABLE: Record<MarkedKind, string> = { Service: 'TRUEUP_SERVICE', Command: 'TRUEUP_COMMAND' };

export interface Marked {
  pid: number;
  pgrp: number;
  startTime: number;
  name: string;
  launch: string;
}

/** A new launch id under the state id `stateId`. */
export function newLaunch(stateId: string): string {
  return `${stateId}.${randomBytes(8).toString('hex')}`;
}

/** The environment entry that marks a process of `application`/`name`, launch `launch`. */
export function markerEnv(kind: MarkedKind, application: string, name: string, launch: string): Record<string, string> {
  return { [VARIABLE[kind]]: `${encodeURIComponent(application)}/${encodeURIComponent(name)}/${launch}` };
}

/**
 * The live processes (zombies excluded) marked for `application` under the state id `stateId`, from
 * one scan of /proc. Processes of other users are unreadable and skipped.
 */
export async function findMarked(kind: MarkedKind, application: string, stateId: string): Promise<Marked[]> {
  const prefix = `${VARIABLE[kind]}=${encodeURIComponent(application)}/`;
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const found: Marked[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const environ = await readFile(`/proc/${entry}/environ`).catch(() => undefined);
    const mark = environ === undefined ? undefined : markOf(environ, prefix);
    if (mark === undefined) continue;
    const [name, launch] = mark.split('/');
    if (name === undefined || launch === undefined || !launch.startsWith(`${stateId}.`)) continue;
    const stat = await readProcStat(pid);
    if (stat === undefined || stat.state === 'Z' || stat.state === 'X') continue;
    found.push({ pid, pgrp: stat.pgrp, startTime: stat.startTime, name: decodeURIComponent(name), launch });
  }
  return found;
}

/** The value after `prefix` of the entry of a NUL-separated environment that starts with it. */
function markOf(environ: Buffer, prefix: string): string | undefined {
  const needle = Buffer.from(prefix);
  let at = environ.indexOf(needle);
  while (at > 0 && environ[at - 1] !== 0) at = environ.indexOf(needle, at + 1);
  if (at < 0) return undefined;
  const end = environ.indexOf(0, at);
  return environ.subarray(at + needle.length, end < 0 ? environ.length : end).toString('utf8');
}

/**
 * The live Service or Command processes the host provider started for `application` with this
 * state directory (the one given to createHostProvider), by their marks: what a crash test checks
 * (one leader per Service, one launch per Command at a time).
 */
export function markedProcesses(stateDir: string, application: string, kind: MarkedKind): Promise<Marked[]> {
  return findMarked(kind, application, new StateStore(stateDir, application).id);
}
