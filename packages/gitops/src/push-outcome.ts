/** What `git push --porcelain` said about the one ref pushed. */

export type PushOutcome =
  | { kind: 'pushed' }
  /** The branch moved since the fetch: fetch, edit again and retry. */
  | { kind: 'race'; detail: string }
  /** The server refused for another reason (a hook, a protected branch, permissions): retrying will not help. */
  | { kind: 'rejected'; detail: string };

/** Reasons that mean another writer got there first (the client's check, or the server's ref lock). */
const RACE = /\((fetch first|non-fast-forward|stale info|failed to update ref|failed to lock|cannot lock ref[^)]*|incorrect old value provided)\)|cannot lock ref|is at [0-9a-f]+ but expected/i;

export function pushOutcome(exitCode: number, stdout: string, stderr: string): PushOutcome {
  const line = stdout.split('\n').find((candidate) => /^[ +\-*=!]\t/.test(candidate));
  if (exitCode === 0 && line !== undefined && !line.startsWith('!')) return { kind: 'pushed' };
  const remote = stderr.split(/\r?\n/).filter((text) => /^(remote: |error: |fatal: )/.test(text.trim())).map((text) => text.trim()).join(' | ');
  const summary = line?.split('\t')[2] ?? '';
  const detail = [summary, remote].filter((part) => part !== '').join(' — ').slice(0, 800) || `git push exited with ${exitCode}`;
  if (RACE.test(summary) || (line === undefined && RACE.test(stderr))) return { kind: 'race', detail };
  return { kind: 'rejected', detail };
}
