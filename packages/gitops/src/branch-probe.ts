/**
 * Questions about a repository's branches that a writer's shallow working copy cannot answer:
 * whether a branch exists (its tip), and whether a commit is in the history of a revision of a
 * branch (merged, by a merge or a fast-forward; a squash merge is not). A bare repository of its
 * own, fetched without blobs; one caller at a time.
 */
import { mkdir } from 'node:fs/promises';
import { classifyFailure, loadAuth, parseRepoUrl, runGit, type GitAuth, type RepoUrl } from '@trueup/git';
import { GitopsErrors } from './errors.ts';
import { checkBranch } from './work-tree.ts';

const TIMEOUT_MS = 120_000;

export class BranchProbe {
  readonly dir: string;
  private readonly repo: RepoUrl;
  private readonly auth: GitAuth;

  private constructor(repo: RepoUrl, dir: string, auth: GitAuth) {
    this.repo = repo;
    this.dir = dir;
    this.auth = auth;
  }

  /** Makes `dir` (created if needed) a bare repository that asks `repoURL`. */
  static async open(repoURL: string, dir: string): Promise<BranchProbe> {
    const repo = parseRepoUrl(repoURL);
    const auth = await loadAuth(undefined, repo.transport, process.cwd(), repo.userinfo);
    await mkdir(dir, { recursive: true });
    const probe = new BranchProbe(repo, dir, auth);
    await probe.git(['init', '--quiet', '--bare'], 'init a probe repository');
    return probe;
  }

  /** The branch's tip, or undefined when the repository has no such branch. */
  async tip(branch: string): Promise<string | undefined> {
    checkBranch(branch);
    const out = await this.git(['ls-remote', '--heads', this.repo.url, `refs/heads/${branch}`], `list branch "${branch}"`);
    const line = out.split('\n').find((l) => l.endsWith(`\trefs/heads/${branch}`));
    return line?.split('\t')[0];
  }

  /**
   * Whether `commit` is `revision` or one of its ancestors, `revision` being a commit of `branch`
   * (fetched now). False when either is not in the fetched history (a branch rewritten since).
   */
  async contains(branch: string, commit: string, revision: string): Promise<boolean> {
    checkBranch(branch);
    await this.git(['fetch', '--quiet', '--no-tags', '--filter=blob:none', this.repo.url, `+refs/heads/${branch}:refs/probe/${branch}`], `fetch branch "${branch}"`);
    const result = await runGit({ ...this.options(), args: ['merge-base', '--is-ancestor', commit, revision] });
    return result.exitCode === 0;
  }

  private options() {
    return { cwd: this.dir, auth: this.auth, timeoutMs: TIMEOUT_MS, target: this.repo.display, env: { GIT_DIR: this.dir } };
  }

  private async git(args: string[], operation: string): Promise<string> {
    const result = await runGit({ ...this.options(), args });
    if (result.exitCode === 0) return result.stdout;
    if (args[0] === 'fetch' || args[0] === 'ls-remote') throw classifyFailure(result, { operation, display: this.repo.display, ref: '' });
    throw GitopsErrors.create('GITOPS_GIT_FAILED', `git could not ${operation} in ${this.dir}: ${result.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  }
}
