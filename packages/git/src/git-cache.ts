import { existsSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { isTrueupError, REVISION_MESSAGE_MAX, type RepoCredentials, type RevisionInfo } from '@trueup/api';
import { discardCacheRepo, removeStaleLocks } from './cache-locks.ts';
import { dropKeepRefs, ensureBareRepo, fetchCommit, inspectCommit } from './cache-repo.ts';
import { git } from './git-context.ts';
import { isFolderInCheckout, materialize, pruneCheckouts } from './checkouts.ts';
import { loadAuth } from './credentials.ts';
import { GitErrors } from './errors.ts';
import type { GitContext } from './git-context.ts';
import { Mutex } from './mutex.ts';
import { RefListings } from './ref-listings.ts';
import { checkRef, cleanSourcePath, isFullSha } from './refs.ts';
import { parseRepoUrl, type RepoUrl } from './repo-url.ts';
import type { GitCommandHook } from './run-git.ts';

/** The part of an Application's `spec.source` the cache needs; `Source` from `@trueup/api` fits. */
export interface GitSource {
  repoURL: string;
  /** Branch, tag or full commit SHA. */
  ref: string;
  /** Folder in the repository that must exist in the revision; default the root. */
  path?: string | undefined;
  credentials?: RepoCredentials | undefined;
}

/** A revision written to disk, addressed by its commit and its content. */
export interface Artifact {
  /** Full commit SHA. */
  revision: string;
  /** The checkout of the whole repository at `revision` (read-only by convention); see `sourceDir`. */
  dir: string;
  /** The commit's tree SHA: equal for equal content whatever the commit. */
  digest: string;
}

export interface GitCacheOptions {
  /** Folder of the cache, e.g. `<state-dir>/git`. */
  dir: string;
  /** Checkouts kept per repository besides the latest of every ref in use. Default 3. */
  keepCheckouts?: number;
  /** Default timeout of one git command. Default 60 000 ms. */
  timeoutMs?: number;
  /** Called for every git process started (arguments without credentials). */
  onGitCommand?: GitCommandHook;
}

export interface GitCallOptions {
  /** Folder that relative credentials file paths resolve against (the Application file's folder). Default: the working directory. */
  baseDir?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ResolveOptions extends GitCallOptions {
  /**
   * How old (ms) an answer to "where does the ref point" may be: a listing of the repository
   * that another caller started that recently answers this one too. Default 0: a listing that
   * starts after this call.
   */
  maxAgeMs?: number | undefined;
}

export interface SyncOptions extends ResolveOptions {
  /** The revision the caller already has: when the ref still points there, nothing is fetched or written. */
  lastRevision?: string | undefined;
}

/** Counts of work done, for tests and metrics. */
export interface GitCacheStats {
  lsRemote: number;
  fetch: number;
  checkout: number;
}

interface RepoState {
  mutex: Mutex;
  /** Tree SHA by commit SHA, for commits checked out by this process. */
  trees: Map<string, string>;
  /** `<sha>:<path>` pairs known to be folders. */
  folders: Set<string>;
  /** The latest revision checked out for each ref: never pruned. */
  latestByRef: Map<string, string>;
}

/**
 * Git sources over the real `git` CLI. One bare, shallow cache repository per repository URL
 * (`<dir>/<key>/repo.git`), shared by every application on that URL, with checkouts of recent
 * commits in `<dir>/<key>/checkouts/<sha>`. Calls on one repository are serialized.
 */
export class GitCache {
  readonly dir: string;
  readonly stats: GitCacheStats = { lsRemote: 0, fetch: 0, checkout: 0 };
  readonly #keep: number;
  readonly #timeoutMs: number;
  readonly #onGitCommand: GitCommandHook | undefined;
  readonly #repos = new Map<string, RepoState>();
  readonly #listings = new RefListings({ onList: () => void (this.stats.lsRemote += 1) });

  constructor(options: GitCacheOptions) {
    this.dir = resolvePath(options.dir);
    this.#keep = options.keepCheckouts ?? 3;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#onGitCommand = options.onGitCommand;
    if (!Number.isInteger(this.#keep) || this.#keep < 1) throw new RangeError('keepCheckouts must be an integer of at least 1');
    if (!(this.#timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
  }

  /** The cache folder of a repository URL (holding `repo.git` and `checkouts/`). */
  repoDir(repoURL: string): string {
    return join(this.dir, parseRepoUrl(repoURL).key);
  }

  /**
   * The full commit SHA `source.ref` points to now, by `git ls-remote` (no objects fetched),
   * shared with the other callers on the repository (see RefListings). A full SHA is returned as
   * it is, without network.
   */
  async resolve(source: GitSource, options: ResolveOptions = {}): Promise<string> {
    if (isFullSha(source.ref)) return source.ref.toLowerCase();
    const ctx = await this.#context(source, options);
    checkRef(source.ref, ctx.repo.display);
    await this.#state(ctx.repo).mutex.run(() => ensureBareRepo(ctx));
    const key = source.credentials === undefined ? ctx.repo.key : `${ctx.repo.key}\n${resolvePath(options.baseDir ?? '.')}\n${JSON.stringify(source.credentials)}`;
    const found = await this.#listings.lookup(key, ctx, source.ref, options.maxAgeMs);
    return found.sha;
  }

  /**
   * Writes commit `revision` (a full SHA, usually from `resolve`) to disk, fetching it with depth 1
   * when the cache lacks it, and checks that `source.path` is a folder in it.
   */
  async checkout(source: GitSource, revision: string, options: GitCallOptions = {}): Promise<Artifact> {
    const ctx = await this.#context(source, options);
    if (!isFullSha(revision)) throw GitErrors.create('GIT_REF_NOT_FOUND', `checkout of ${ctx.repo.display} needs a full commit SHA, got "${revision}"`);
    const sha = revision.toLowerCase();
    const path = cleanSourcePath(source.path);
    const state = this.#state(ctx.repo);
    const checkoutsDir = join(this.dir, ctx.repo.key, 'checkouts');
    return state.mutex.run(async () => {
      const known = state.trees.get(sha);
      const onDisk = join(checkoutsDir, sha);
      // A commit already written: its folders are checked on disk, without a git process.
      if (known !== undefined && existsSync(onDisk) && (path === '' || state.folders.has(`${sha}:${path}`) || await isFolderInCheckout(onDisk, path))) {
        state.folders.add(`${sha}:${path}`);
        state.latestByRef.set(source.ref, sha);
        return { revision: sha, dir: onDisk, digest: known };
      }
      await ensureBareRepo(ctx);
      let info = await inspectCommit(ctx, sha, path);
      if (info.tree === undefined) {
        this.stats.fetch += 1;
        await removeStaleLocks(ctx.gitDir, ctx.timeoutMs);
        await fetchCommit(ctx, sha, source.ref).catch(async (error: unknown) => {
          if (!isTrueupError(error, 'GIT_CACHE_LOCKED') && !isTrueupError(error, 'GIT_CACHE_CORRUPT')) throw error;
          // A lock that is not stale yet (an orphaned git may still hold it), or a file cut short: a new shallow cache costs one fetch.
          await discardCacheRepo(ctx.gitDir);
          await ensureBareRepo(ctx);
          await fetchCommit(ctx, sha, source.ref);
        });
        info = await inspectCommit(ctx, sha, path);
        if (info.tree === undefined) throw GitErrors.create('GIT_FETCH_FAILED', `fetching ${sha} from ${ctx.repo.display} did not bring the commit`);
      }
      if (path !== '' && info.pathType !== 'tree') {
        throw GitErrors.create('GIT_PATH_NOT_FOUND', `path "${path}" is ${info.pathType === undefined ? 'not in' : 'not a folder in'} ${sha} of ${ctx.repo.display}: check spec.source.path`, { field: 'spec.source.path' });
      }
      const { dir, created } = await materialize(ctx, sha, checkoutsDir);
      state.trees.set(sha, info.tree);
      state.folders.add(`${sha}:${path}`);
      state.latestByRef.set(source.ref, sha);
      if (created) {
        this.stats.checkout += 1;
        const removed = await pruneCheckouts(checkoutsDir, this.#keep, new Set(state.latestByRef.values()));
        for (const old of removed) state.trees.delete(old);
        for (const key of state.folders) if (!state.trees.has(key.slice(0, key.indexOf(':')))) state.folders.delete(key);
        await dropKeepRefs(ctx, removed);
      }
      return { revision: sha, dir, digest: info.tree };
    });
  }

  /**
   * `resolve`, then `checkout` unless the ref still points at `lastRevision` and its checkout is
   * on disk: the cheap path of every reconcile pass is one `git ls-remote`.
   */
  async sync(source: GitSource, options: SyncOptions = {}): Promise<Artifact> {
    const revision = await this.resolve(source, options);
    if (options.lastRevision?.toLowerCase() === revision) {
      const repo = parseRepoUrl(source.repoURL);
      const digest = this.#repos.get(repo.key)?.trees.get(revision);
      const dir = join(this.dir, repo.key, 'checkouts', revision);
      if (digest !== undefined && existsSync(dir)) return { revision, dir, digest };
    }
    return this.checkout(source, revision, options);
  }

  /**
   * The message and author of a commit the cache holds (after `checkout`), read locally without
   * network; undefined when the cache lacks it. The message is capped at REVISION_MESSAGE_MAX.
   */
  async commitInfo(source: GitSource, revision: string, options: GitCallOptions = {}): Promise<RevisionInfo | undefined> {
    if (!isFullSha(revision)) return undefined;
    const ctx = await this.#context(source, options);
    if (!existsSync(join(ctx.gitDir, 'HEAD'))) return undefined;
    const sha = revision.toLowerCase();
    const result = await this.#state(ctx.repo).mutex.run(() => git(ctx, ['log', '-1', '--no-show-signature', '--format=%an <%ae>%x00%aI%x00%B', sha]));
    if (result.exitCode !== 0) return undefined;
    const [author = '', authoredAt = '', ...body] = result.stdout.split('\0');
    if (Number.isNaN(Date.parse(authoredAt))) return undefined;
    return { sha, message: body.join('').trim().slice(0, REVISION_MESSAGE_MAX), author, authoredAt: new Date(authoredAt).toISOString() };
  }

  async #context(source: GitSource, options: GitCallOptions): Promise<GitContext> {
    const repo = parseRepoUrl(source.repoURL);
    const auth = await loadAuth(source.credentials, repo.transport, resolvePath(options.baseDir ?? '.'), repo.userinfo);
    return {
      repo,
      auth,
      gitDir: join(this.dir, repo.key, 'repo.git'),
      timeoutMs: options.timeoutMs ?? this.#timeoutMs,
      signal: options.signal,
      onGitCommand: this.#onGitCommand,
    };
  }

  #state(repo: RepoUrl): RepoState {
    let state = this.#repos.get(repo.key);
    if (state === undefined) {
      state = { mutex: new Mutex(), trees: new Map(), folders: new Set(), latestByRef: new Map() };
      this.#repos.set(repo.key, state);
    }
    return state;
  }
}

/** The folder of `source.path` inside an artifact (never outside it). */
export function sourceDir(artifact: Artifact, source: Pick<GitSource, 'path'>): string {
  const path = cleanSourcePath(source.path);
  return path === '' ? artifact.dir : join(artifact.dir, path);
}
