import type { GitAuth } from './credentials.ts';
import { runGit, type GitCommandHook, type GitResult } from './run-git.ts';
import type { RepoUrl } from './repo-url.ts';

/** Everything one operation on one cache repository needs. */
export interface GitContext {
  repo: RepoUrl;
  auth: GitAuth;
  /** The bare cache repository. */
  gitDir: string;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  onGitCommand?: GitCommandHook | undefined;
}

/** Runs `git --git-dir=<cache> …args`. */
export function git(ctx: GitContext, args: readonly string[], extra: { input?: string; env?: Record<string, string> } = {}): Promise<GitResult> {
  return runGit({
    args: [`--git-dir=${ctx.gitDir}`, ...args],
    cwd: ctx.gitDir,
    auth: ctx.auth,
    timeoutMs: ctx.timeoutMs,
    signal: ctx.signal,
    onGitCommand: ctx.onGitCommand,
    target: ctx.repo.display,
    ...extra,
  });
}
