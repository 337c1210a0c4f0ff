/** Where agent state lives when `--state-dir` is not given. */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { StateStore } from '@trueup/agent';
import { join } from 'node:path';

export function defaultStateDir(): string {
  const fromEnv = process.env.TRUEUP_STATE_DIR;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (process.getuid?.() === 0) return '/var/lib/trueup';
  return join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'trueup');
}

/** The state store for reading; undefined when no agent or sync has written one there yet. */
export function openStateForReading(stateDir: string): StateStore | undefined {
  return existsSync(join(stateDir, 'state.db')) ? new StateStore(stateDir, { readOnly: true }) : undefined;
}
