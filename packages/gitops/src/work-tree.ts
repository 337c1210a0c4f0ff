/**
 * A private working copy of one branch: shallow fetch, reset, read and write files, commit, push.
 * Credentials come from the git package (never in argv); one WorkTree is used by one writer at a time.
 */
import { lstat, mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RepoCredentials } from '@trueup/api';
import { classifyFailure, loadAuth, parseRepoUrl, runGit, type GitAuth, type GitCommandHook, type RepoUrl } from '@trueup/git';
import { GitopsErrors } from './errors.ts';
import { pushOutcome, type PushOutcome } from './push-outcome.ts';

export interface RepoTarget {
  /** `https://…`, `ssh://…` or `file://…`; credentials in an http URL are taken out of argv. */
  repoURL: string;
  /** The branch written. */
  ref: string;
  /** A branch to start `ref` from when `ref` does not exist yet (the first push creates it). */
  base?: string;
  credentials?: RepoCredentials;
  /** Folder relative credential files resolve against; default the working directory. */
  baseDir?: string;
}

export interface Identity {
  name: string;
  email: string;
}

export const DEFAULT_IDENTITY: Identity = { name: 'Trueup', email: 'trueup@localhost' };
const TIMEOUT_MS = 120_000;

export class WorkTree {
  readonly repo: RepoUrl;
  readonly ref: string;
  readonly dir: string;
  readonly base: string | undefined;
  private readonly auth: GitAuth;
  private readonly onGitCommand: GitCommandHook | undefined;

  private constructor(repo: RepoUrl, ref: string, base: string | undefined, dir: string, auth: GitAuth, onGitCommand: GitCommandHook | undefined) {
    this.repo = repo;
    this.ref = ref;
    this.base = base === ref ? undefined : base;
    this.dir = dir;
    this.auth = auth;
    this.onGitCommand = onGitCommand;
  }

  /** Makes `dir` (created if needed) a repository to work on `target`'s branch in. */
  static async open(target: RepoTarget, dir: string, onGitCommand?: GitCommandHook): Promise<WorkTree> {
    checkBranch(target.ref);
    if (target.base !== undefined) checkBranch(target.base);
    const repo = parseRepoUrl(target.repoURL);
    const auth = await loadAuth(target.credentials, repo.transport, target.baseDir ?? process.cwd(), repo.userinfo);
    await mkdir(dir, { recursive: true });
    const tree = new WorkTree(repo, target.ref, target.base, dir, auth, onGitCommand);
    await tree.run(['init', '--quiet'], 'init a working copy');
    return tree;
  }

  /**
   * Fetches the branch's tip (depth 1) and resets the working copy to it; returns its SHA. A
   * branch that does not exist yet starts from the tip of `base`, when one was given.
   */
  async sync(): Promise<string> {
    const fetchArgs = (branch: string): string[] => ['fetch', '--quiet', '--no-tags', '--depth=1', this.repo.url, `+refs/heads/${branch}:refs/trueup/base`];
    if (this.base === undefined) {
      await this.run(fetchArgs(this.ref), `fetch branch "${this.ref}"`);
    } else {
      const result = await runGit({ ...this.options(), args: fetchArgs(this.ref) });
      if (result.exitCode !== 0) {
        if (!/couldn't find remote ref/i.test(result.stderr)) throw classifyFailure(result, { operation: `fetch branch "${this.ref}"`, display: this.repo.display, ref: this.ref });
        await this.run(fetchArgs(this.base), `fetch branch "${this.base}" to start "${this.ref}" from`);
      }
    }
    const sha = (await this.run(['rev-parse', 'refs/trueup/base'], 'read the fetched commit')).trim();
    await this.run(['checkout', '--quiet', '--force', '-B', 'trueup-work', sha], 'check out the branch');
    return sha;
  }

  /** A file of the branch; undefined when it does not exist or is not a regular file inside the repository (a symlink). */
  async read(file: string): Promise<string | undefined> {
    try {
      const [real, root] = await Promise.all([realpath(join(this.dir, file)), realpath(this.dir)]);
      if (real !== join(root, file) || !(await lstat(real)).isFile()) return undefined;
      return await readFile(real, 'utf8');
    } catch (error) {
      if (['ENOENT', 'EISDIR', 'ENOTDIR', 'ELOOP'].includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
      throw error;
    }
  }

  /** Writes the files, stages them and commits; returns the new commit's SHA. */
  async commit(files: ReadonlyMap<string, string>, message: string, identity: Identity = DEFAULT_IDENTITY): Promise<string> {
    for (const [file, text] of files) {
      await mkdir(dirname(join(this.dir, file)), { recursive: true });
      await writeFile(join(this.dir, file), text);
    }
    await this.run(['add', '--', ...files.keys()], 'stage the edited files');
    const env = { GIT_AUTHOR_NAME: identity.name, GIT_AUTHOR_EMAIL: identity.email, GIT_COMMITTER_NAME: identity.name, GIT_COMMITTER_EMAIL: identity.email };
    await this.run(['commit', '--quiet', '--no-verify', '--cleanup=verbatim', '--file=-'], 'commit', { input: message, env });
    return (await this.run(['rev-parse', 'HEAD'], 'read the new commit')).trim();
  }

  /** Pushes HEAD to the branch; a fast-forward only, so a branch that moved is a race, never overwritten. */
  async push(): Promise<PushOutcome> {
    const result = await runGit({ ...this.options(), args: ['push', '--porcelain', this.repo.url, `HEAD:refs/heads/${this.ref}`] });
    const outcome = pushOutcome(result.exitCode, result.stdout, result.stderr);
    if (outcome.kind === 'rejected' && /could not read|Authentication failed|HTTP (401|403)|returned error: 40[13]|Permission denied \(|unable to access/i.test(result.stderr)) {
      throw classifyFailure(result, { operation: 'push', display: this.repo.display, ref: this.ref });
    }
    return outcome;
  }

  private options() {
    return { cwd: this.dir, auth: this.auth, timeoutMs: TIMEOUT_MS, onGitCommand: this.onGitCommand, target: this.repo.display, env: { GIT_DIR: join(this.dir, '.git') } };
  }

  private async run(args: string[], operation: string, extra: { input?: string; env?: Record<string, string> } = {}): Promise<string> {
    const options = this.options();
    const result = await runGit({ ...options, args, ...(extra.input === undefined ? {} : { input: extra.input }), env: { ...options.env, ...extra.env } });
    if (result.exitCode === 0) return result.stdout;
    if (args[0] === 'fetch' || args[0] === 'push') throw classifyFailure(result, { operation, display: this.repo.display, ref: this.ref });
    throw GitopsErrors.create('GITOPS_GIT_FAILED', `git could not ${operation} in ${this.dir}: ${result.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  }
}

/** A branch name git accepts (as `git check-ref-format --branch` would), checked before any git runs. */
export function checkBranch(ref: string): void {
  const bad = ref === '' || ref.startsWith('-') || ref.startsWith('/') || ref.endsWith('/') || ref.endsWith('.') || ref.endsWith('.lock')
    || /\.\.|\/\/|@\{|[\s~^:?*[\\\x00-\x1f\x7f]/.test(ref) || ref.split('/').some((part) => part.startsWith('.')) || ref === '@';
  if (bad) throw GitopsErrors.create('GITOPS_REF_INVALID', `"${ref}" is not a branch name`, { field: 'ref' });
}
