/**
 * Where `actions/checkout` gets the code. For `trueup run`: the local repository at a commit —
 * a shared clone (objects borrowed, nothing copied) checked out at that commit, which may be a
 * `git stash create` commit holding uncommitted changes. A joined runner will fetch instead.
 */
import { runInGroup } from '@trueup/process';
import { RunnerErrors } from './errors.ts';

export interface CheckoutSource {
  /** Full commit SHA the job runs for. */
  readonly sha: string;
  /**
   * Checks the code out into `dest`, an empty or missing directory: the run's commit, or `ref`
   * (a branch, tag or commit of the same repository). Resolves with the commit checked out.
   */
  checkout(dest: string, signal: AbortSignal, ref?: string): Promise<string>;
}

export class LocalRepoSource implements CheckoutSource {
  readonly repoDir: string;
  readonly sha: string;

  constructor(repoDir: string, sha: string) {
    this.repoDir = repoDir;
    this.sha = sha;
  }

  async checkout(dest: string, signal: AbortSignal, ref?: string): Promise<string> {
    const sha = ref === undefined || ref === '' ? this.sha : await git(['rev-parse', '--verify', '--end-of-options', `${ref}^{commit}`], this.repoDir, signal).catch(() => {
      throw RunnerErrors.create('RUNNER_CHECKOUT_FAILED', `actions/checkout: no branch, tag or commit "${ref}" in the repository`);
    });
    await git(['clone', '--quiet', '--local', '--no-checkout', this.repoDir, dest], undefined, signal);
    await git(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', sha], dest, signal);
    return sha;
  }
}

export async function git(args: string[], cwd: string | undefined, signal?: AbortSignal, env: Record<string, string> = {}): Promise<string> {
  let stderr = '';
  const outcome = await runInGroup({
    command: 'git', args, cwd, signal,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', GIT_TERMINAL_PROMPT: '0', LANG: 'C', ...env },
    timeoutMs: 10 * 60_000, maxStdoutBytes: 16 * 1024 * 1024,
    onStderr: (chunk) => { stderr += chunk; },
  });
  if (outcome.kind === 'exited' && outcome.code === 0) return outcome.stdout.toString('utf8').trim();
  const why = outcome.kind === 'exited' ? stderr.trim() || `exit ${outcome.code}` : outcome.kind === 'not-started' ? outcome.error.message : outcome.kind;
  throw RunnerErrors.create('RUNNER_CHECKOUT_FAILED', `git ${args[0] ?? ''}: ${why}`);
}
