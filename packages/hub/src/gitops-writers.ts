/**
 * The hub's one writer per repository branch: every automated write (a hand-off, a promotion, an
 * adoption) to a branch goes through its queue, so concurrent callers batch into one commit and
 * never race each other's pushes. After a commit, the applications following that branch are told
 * to refresh once (not once per caller).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { BranchWriter, WriterRegistry, type RepoTarget } from '@trueup/gitops';
import type { HubDeps } from './deps.ts';
import { refreshFollowers, type Refreshed } from './fan-out.ts';

/** Default batching window of the hub's writers: short, so a hand-off reaches the agent quickly. */
export const HUB_WINDOW_MS = 250;

export class HubGitops {
  readonly writers: WriterRegistry;
  /** Fan-outs by revision, so callers sharing a commit share its refresh. */
  readonly #fanOuts = new Map<string, Promise<Refreshed[]>>();

  constructor(options: { dir: string; windowMs?: number | undefined }) {
    this.writers = new WriterRegistry((target: RepoTarget, id: string) => new BranchWriter({
      target,
      dir: join(options.dir, createHash('sha256').update(id).digest('hex').slice(0, 16)),
      windowMs: options.windowMs ?? HUB_WINDOW_MS,
    }));
  }

  /** True when this hub committed `revision` and already told the branch's followers to refresh for it. */
  announced(revision: string): boolean {
    return this.#fanOuts.has(revision);
  }

  /** Tells the followers of `repoURL`'s `ref` to refresh for `revision`, once per revision. */
  fanOut(deps: HubDeps, repoURL: string, ref: string, revision: string, actor: string): Promise<Refreshed[]> {
    let pending = this.#fanOuts.get(revision);
    if (pending === undefined) {
      pending = refreshFollowers(deps, { repoURLs: [repoURL], ref: `refs/heads/${ref}`, revision }, actor);
      this.#fanOuts.set(revision, pending);
      pending.catch(() => this.#fanOuts.delete(revision));
      if (this.#fanOuts.size > 1000) this.#fanOuts.delete(this.#fanOuts.keys().next().value ?? '');
    }
    return pending;
  }

  close(): Promise<void> {
    return this.writers.close();
  }
}
