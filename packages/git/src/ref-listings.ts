/**
 * Where branches and tags point, by `git ls-remote`, shared by the applications on one
 * repository (and the same credentials):
 *
 * - Callers that ask while a listing runs share the next one, which starts when the running one
 *   ends: an answer is never older than the question, so a refresh right after a push sees it.
 * - A caller that accepts an older answer (`maxAgeMs`, a pass on its interval) takes the answer
 *   of the last listing that covered its ref when that listing started recently enough.
 *
 * So the applications on one repository cost one `git` process per round, not one each.
 */
import { classifyFailure } from './classify.ts';
import { GitErrors } from './errors.ts';
import { git, type GitContext } from './git-context.ts';
import { lsRemotePatterns, pickRemoteRef, type RemoteRef } from './refs.ts';

interface Waiter {
  ref: string;
  resolve: (found: RemoteRef) => void;
  reject: (error: unknown) => void;
}

interface RepoListings {
  running: boolean;
  queued: Waiter[];
  /** The context of the latest caller: the next listing runs with it. */
  ctx: GitContext | undefined;
  /** Per ref, the last successful listing that covered it: when it started, and what it found. */
  answers: Map<string, { startedAt: number; found: RemoteRef | undefined }>;
}

export class RefListings {
  readonly #repos = new Map<string, RepoListings>();
  readonly #now: () => number;
  readonly #onList: () => void;

  /** `onList` is called for every `git ls-remote` started. */
  constructor(options: { now?: () => number; onList?: () => void } = {}) {
    this.#now = options.now ?? Date.now;
    this.#onList = options.onList ?? (() => undefined);
  }

  /**
   * Where `ref` points on the repository of `ctx`. `key` names the repository and the
   * credentials: only callers with the same key share listings.
   */
  lookup(key: string, ctx: GitContext, ref: string, maxAgeMs = 0): Promise<RemoteRef> {
    const repo = this.#repo(key);
    const answer = repo.answers.get(ref);
    if (maxAgeMs > 0 && answer !== undefined && this.#now() - answer.startedAt <= maxAgeMs) {
      return answer.found === undefined ? Promise.reject(refNotFound(ctx, ref)) : Promise.resolve(answer.found);
    }
    return new Promise((resolve, reject) => {
      repo.queued.push({ ref, resolve, reject });
      repo.ctx = { ...ctx, signal: undefined }; // shared: one caller giving up does not end it for the others
      if (!repo.running) void this.#drain(repo);
    });
  }

  async #drain(repo: RepoListings): Promise<void> {
    repo.running = true;
    try {
      while (repo.queued.length > 0 && repo.ctx !== undefined) {
        await this.#listOnce(repo, repo.ctx, repo.queued.splice(0));
      }
    } finally {
      repo.running = false;
    }
  }

  async #listOnce(repo: RepoListings, ctx: GitContext, waiters: Waiter[]): Promise<void> {
    const refs = [...new Set(waiters.map((w) => w.ref))];
    const startedAt = this.#now();
    try {
      this.#onList();
      const result = await git(ctx, ['ls-remote', ctx.repo.url, ...refs.flatMap(lsRemotePatterns)]);
      if (result.exitCode !== 0) {
        for (const w of waiters) w.reject(classifyFailure(result, { operation: 'list refs', display: ctx.repo.display, ref: w.ref }));
        return;
      }
      for (const ref of refs) repo.answers.set(ref, { startedAt, found: pickRemoteRef(result.stdout, ref) });
      for (const w of waiters) {
        const found = repo.answers.get(w.ref)?.found;
        if (found === undefined) w.reject(refNotFound(ctx, w.ref));
        else w.resolve(found);
      }
    } catch (error) {
      for (const w of waiters) w.reject(error);
    }
  }

  #repo(key: string): RepoListings {
    let repo = this.#repos.get(key);
    if (repo === undefined) {
      repo = { running: false, queued: [], ctx: undefined, answers: new Map() };
      this.#repos.set(key, repo);
    }
    return repo;
  }
}

export function refNotFound(ctx: GitContext, ref: string): Error {
  return GitErrors.create('GIT_REF_NOT_FOUND', `no branch or tag "${ref}" in ${ctx.repo.display}: check spec.source.ref (a branch, a tag or a full commit SHA)`, { field: 'spec.source.ref' });
}
