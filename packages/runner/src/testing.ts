/** Test helpers: real Git repositories with a workflow, run by the real executor. */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { JobEvent } from '@trueup/api';
import { localRun, type LocalRun, type LocalRunRequest } from './local-run.ts';
import type { JobExecutor } from './run-workflow.ts';

export const EXAMPLE_REPO = join(import.meta.dirname, '..', 'testdata', 'example');

export function gitIn(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' } }).trim();
}

/** A new repository on branch main with the files given (or a copy of `from`), committed. */
export function makeRepo(files: Record<string, string>, from?: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'trueup-repo-'));
  if (from !== undefined) cpSync(from, dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  gitIn(dir, 'init', '-q', '-b', 'main');
  gitIn(dir, 'add', '-A');
  gitIn(dir, 'commit', '-qm', 'initial');
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Recorded {
  run: LocalRun;
  events: { key: string; event: JobEvent }[];
  /** Each job instance's log text, by its key. */
  logs: Map<string, string>;
  skipped: string[];
  notes: string[];
}

/** Runs a workflow of the repository with the real executor, recording every event. */
export async function recordRun(request: LocalRunRequest, execute?: JobExecutor): Promise<Recorded> {
  const events: Recorded['events'] = [];
  const logs = new Map<string, string>();
  const skipped: string[] = [];
  const notes: string[] = [];
  const run = await localRun(request, {
    onJobEvent: (key, event) => {
      if (event.type === 'log') logs.set(key, (logs.get(key) ?? '') + event.text);
      else events.push({ key, event });
    },
    onJobSkipped: (id) => skipped.push(id),
    onNote: (text) => notes.push(text),
  }, execute);
  return { run, events, logs, skipped, notes };
}

export function workflowRepo(yaml: string, files: Record<string, string> = {}): { dir: string; cleanup: () => void } {
  return makeRepo({ '.trueup/workflows/test.yml': yaml, ...files });
}

export function stepOutcomes(recorded: Recorded, key: string): string[] {
  return recorded.events.filter((e) => e.key === key && e.event.type === 'step-finished').map((e) => (e.event.type === 'step-finished' ? `${e.event.id}:${e.event.conclusion}` : ''));
}

/** Whether a process runs; a zombie (killed, not yet reaped by its parent) does not. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Whether the process is gone within `ms` (a killed process may take a moment under load). */
export async function diesWithin(pid: number, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
