export * from './errors.ts';
export * from './redact.ts';
export * from './git-cache.ts';
export { parseRepoUrl, type RepoUrl, type Transport } from './repo-url.ts';
export { isFullSha, lsRemotePatterns, pickRemoteRef, type RemoteRef } from './refs.ts';
export type { GitCommandEvent, GitCommandHook } from './run-git.ts';
export { runGit, type GitResult, type RunGitOptions } from './run-git.ts';
export { loadAuth, type GitAuth } from './credentials.ts';
export { classifyFailure } from './classify.ts';
