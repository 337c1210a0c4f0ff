import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { classifyFailure } from './classify.ts';
import { GitErrors } from './errors.ts';
import { git, type GitContext } from './git-context.ts';
import { refNotFound } from './ref-listings.ts';
import { lsRemotePatterns, pickRemoteRef, isFullSha, type RemoteRef } from './refs.ts';
import { runGit } from './run-git.ts';

/**
 * Settings of every cache repository: no background gc racing our next command, no line-ending
 * conversion by a user's global config (the checkout must be the committed bytes), no reflogs.
 */
const CACHE_CONFIG = '[gc]\n\tautoDetach = false\n[core]\n\tautocrlf = false\n\tlogAllRefUpdates = false\n';

/** Creates the bare cache repository once, atomically: a half-initialized one is never seen. */
export async function ensureBareRepo(ctx: GitContext): Promise<void> {
  if (existsSync(`${ctx.gitDir}/HEAD`)) return;
  const parent = dirname(ctx.gitDir);
  await mkdir(parent, { recursive: true });
  const tmp = `${ctx.gitDir}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    const result = await runGit({ args: ['init', '--bare', '--quiet', '--template=', tmp], cwd: parent, timeoutMs: ctx.timeoutMs, signal: ctx.signal, onGitCommand: ctx.onGitCommand });
    if (result.exitCode !== 0) throw GitErrors.create('GIT_CACHE_FAILED', `cannot create the cache repository in ${parent}: ${result.stderr.trim()}`);
    await appendFile(`${tmp}/config`, CACHE_CONFIG);
    await rename(tmp, ctx.gitDir);
    await writeFile(`${parent}/url`, `${ctx.repo.display}\n`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Resolves `ref` on the remote with one `git ls-remote` (no objects are transferred). */
export async function lsRemote(ctx: GitContext, ref: string): Promise<RemoteRef> {
  const result = await git(ctx, ['ls-remote', ctx.repo.url, ...lsRemotePatterns(ref)]);
  if (result.exitCode !== 0) throw classifyFailure(result, { operation: 'list refs', display: ctx.repo.display, ref });
  const found = pickRemoteRef(result.stdout, ref);
  if (found === undefined) throw refNotFound(ctx, ref);
  return found;
}

export interface CommitInfo {
  /** The commit's tree SHA, undefined when the commit is not in the cache. */
  tree: string | undefined;
  /** `tree`, `blob`… for the source path, undefined when it does not exist in the commit. */
  pathType: string | undefined;
}

/** Looks the commit and the source path up in the cache, in one process. */
export async function inspectCommit(ctx: GitContext, sha: string, path: string): Promise<CommitInfo> {
  const queries = [`${sha}^{tree}`, path === '' ? `${sha}^{tree}` : `${sha}:${path}`];
  const result = await git(ctx, ['cat-file', '--batch-check=%(objectname) %(objecttype)'], { input: `${queries.join('\n')}\n` });
  if (result.exitCode !== 0) throw GitErrors.create('GIT_CACHE_FAILED', `cannot read the cache repository ${ctx.gitDir}: ${result.stderr.trim()}`);
  // Found: "<oid> <type>"; not found: "<query> missing" (a query may hold spaces, the last word decides).
  const [treeLine = '', pathLine = ''] = result.stdout.split('\n');
  const treeType = treeLine.split(' ').at(-1);
  const pathType = pathLine.split(' ').at(-1);
  return {
    tree: treeType === 'tree' ? treeLine.split(' ')[0] : undefined,
    pathType: pathType === undefined || pathType === '' || pathType === 'missing' || pathType === 'ambiguous' ? undefined : pathType,
  };
}

/** The ref keeping a fetched commit (and so its objects) alive in the cache until its checkout is pruned. */
export function keepRef(sha: string): string {
  return `refs/trueup/${sha}`;
}

const FETCH_BY_SHA_REFUSED = /not our ref|unadvertised object|couldn't find remote ref/i;

/**
 * Fetches one commit with depth 1. By SHA first (protocol v2 servers and those with
 * uploadpack.allowReachableSHA1InWant allow it); when the server refuses, by the ref that
 * resolved to it, which must still point there.
 */
export async function fetchCommit(ctx: GitContext, sha: string, ref: string): Promise<void> {
  const fetchArgs = ['fetch', '--depth=1', '--no-tags', '--no-write-fetch-head', '--quiet', ctx.repo.url];
  const bySha = await git(ctx, [...fetchArgs, `+${sha}:${keepRef(sha)}`]);
  if (bySha.exitCode === 0) return;
  if (!FETCH_BY_SHA_REFUSED.test(bySha.stderr)) throw classifyFailure(bySha, { operation: `fetch ${sha}`, display: ctx.repo.display, ref });
  if (isFullSha(ref)) {
    throw GitErrors.create('GIT_REF_NOT_FOUND', `${ctx.repo.display} does not serve commit ${sha} by SHA: it is not on any branch or tag, or the server needs uploadpack.allowReachableSHA1InWant; use a branch or a tag as spec.source.ref`, { field: 'spec.source.ref' });
  }
  const remote = await lsRemote(ctx, ref);
  const byRef = await git(ctx, [...fetchArgs, `+${remote.name}:${keepRef(sha)}`]);
  if (byRef.exitCode !== 0) throw classifyFailure(byRef, { operation: `fetch ${remote.name}`, display: ctx.repo.display, ref });
  const check = await git(ctx, ['cat-file', '-e', `${sha}^{commit}`]);
  if (check.exitCode !== 0) {
    await git(ctx, ['update-ref', '-d', keepRef(sha)]);
    throw GitErrors.create('GIT_FETCH_FAILED', `${remote.name} of ${ctx.repo.display} moved past ${sha} while it was fetched; the next pass resolves it again`);
  }
}

/** Deletes the keep-refs of pruned checkouts so that git may collect their objects. */
export async function dropKeepRefs(ctx: GitContext, shas: readonly string[]): Promise<void> {
  if (shas.length === 0) return;
  const input = shas.map((sha) => `delete ${keepRef(sha)}\n`).join('');
  const result = await git(ctx, ['update-ref', '--stdin'], { input });
  if (result.exitCode !== 0) throw GitErrors.create('GIT_CACHE_FAILED', `cannot update refs in ${ctx.gitDir}: ${result.stderr.trim()}`);
}
