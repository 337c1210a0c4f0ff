/**
 * One writer per state dir. The agent holds this lock for its life, and `trueup sync`/`diff`
 * for their pass. The lock is SQLite's exclusive lock on `state.lock` (a POSIX record lock the
 * kernel drops when the process ends, kill -9 included), so it never goes stale. Who holds it is
 * written next to it, in `state.lock.json`, for the message a second writer gets.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { AgentErrors } from './errors.ts';

export const STATE_LOCK_FILE = 'state.lock';
export const STATE_LOCK_HOLDER_FILE = 'state.lock.json';

/** What holds the lock: `trueup agent` (with its API URL when listening) or a one-off pass. */
export interface LockHolder {
  pid: number;
  command: 'agent' | 'sync' | 'diff';
  since: string;
}

export interface StateLock {
  release(): void;
}

/**
 * Connections that hold a lock. Kept reachable here so that garbage collection never closes one
 * (closing the connection frees the lock) while its holder forgets the handle.
 */
const held = new Set<DatabaseSync>();

/** SQLite's "database is locked". */
const SQLITE_BUSY = 5;

/** Takes the state dir's lock now, or throws `AGENT_STATE_DIR_LOCKED` naming its holder. */
export function lockStateDir(stateDir: string, command: LockHolder['command']): StateLock {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const db = new DatabaseSync(join(stateDir, STATE_LOCK_FILE), { timeout: 0 });
  try {
    db.exec('PRAGMA journal_mode = DELETE; BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if ((error as { errcode?: number }).errcode !== SQLITE_BUSY) throw error;
    throw lockedError(stateDir, stateLockHolder(stateDir));
  }
  const holderFile = join(stateDir, STATE_LOCK_HOLDER_FILE);
  const holder: LockHolder = { pid: process.pid, command, since: new Date().toISOString() };
  writeFileSync(`${holderFile}.${process.pid}`, `${JSON.stringify(holder)}\n`);
  renameSync(`${holderFile}.${process.pid}`, holderFile);
  held.add(db);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      rmSync(holderFile, { force: true });
      held.delete(db);
      db.close(); // ends the transaction: the lock is free
    },
  };
}

/** Who holds the lock, as it wrote itself down; undefined when unknown. Meaningful only while the lock is held. */
export function stateLockHolder(stateDir: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(join(stateDir, STATE_LOCK_HOLDER_FILE), 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

function lockedError(stateDir: string, holder: LockHolder | undefined): Error {
  const who = holder === undefined ? 'another trueup process' : `trueup ${holder.command} (pid ${holder.pid}, since ${holder.since})`;
  const next = holder?.command === 'agent'
    ? `ask it for a pass with "trueup refresh APP --state-dir ${stateDir}", or stop it first`
    : 'wait for it to finish';
  return AgentErrors.create('AGENT_STATE_DIR_LOCKED', `${stateDir} is in use by ${who}: one writer per state dir; ${next}`);
}
