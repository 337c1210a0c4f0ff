export * from './errors.ts';
export * from './redact.ts';
export * from './git-cache.ts';
export { parseRepoUrl, type RepoUrl, type Transport } from './repo-url.ts';
export { isFullSha } from './refs.ts';
export type { GitCommandEvent, GitCommandHook } from './run-git.ts';
