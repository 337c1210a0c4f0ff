/** Where agent state lives when `--state-dir` is not given. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultStateDir(): string {
  const fromEnv = process.env.TRUEUP_STATE_DIR;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (process.getuid?.() === 0) return '/var/lib/trueup';
  return join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'trueup');
}
