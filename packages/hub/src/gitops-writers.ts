/**
 * The hub's one writer per repository branch: every automated write (a hand-off, a promotion, an
 * adoption) to a branch goes through its queue, so concurrent callers batch into one commit and
 * never race each other's pushes. After a commit, the applications following that branch are told
 * to refresh once (not once per caller). A writer of a branch made for one adoption is released
 * (closed, its working copy removed) when the adoption ends; any writer idle for 10 minutes is
 * released too.
 */
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BranchProbe, BranchWriter, WriterRegistry, writerId, type RepoTarget } from '@trueup/gitops';
import type { HubDeps } from './deps.ts';
import { refreshFollowers, type Refreshed } from './fan-out.ts';

/** A writer idle this long is released (its working copy removed); the next write opens a new one. */
export const WRITER_IDLE_MS = 10 * 60_000;

/** Default batching window of the hub's writers: short, so a hand-off reaches the agent quickly. */
export const HUB_WINDOW_MS = 250;

export class HubGitops {
  readonly writers: WriterRegistry;
  /** Fan-outs by revision, so callers sharing a commit share its refresh. */
  readonly #fanOuts = new Map<string, Promise<Refreshed[]>>();
  readonly #dir: string;
  /** One probe per repository (branch tips and ancestry), by repository. */
  readonly #probes = new Map<string, Promise<BranchProbe>>();
  readonly #sweep: NodeJS.Timeout;

  constructor(options: { dir: string; windowMs?: number | undefined; idleMs?: number | undefined; log?: (message: string) => void }) {
    this.#dir = options.dir;
    const idleMs = options.idleMs ?? WRITER_IDLE_MS;
    this.#sweep = setInterval(() => void this.releaseIdle(idleMs).catch((error: unknown) => options.log?.(`releasing idle gitops writers: ${error instanceof Error ? error.message : String(error)}`)), Math.max(1000, Math.min(idleMs, 60_000)));
    this.#sweep.unref();
    this.writers = new WriterRegistry((target: RepoTarget, id: string) => new BranchWriter({
      target,
      dir: join(options.dir, hashed(id)),
      windowMs: options.windowMs ?? HUB_WINDOW_MS,
    }));
  }

  /** Closes the writer of `repoURL`'s `branch`, if open, and removes its working copy (unless a new writer of it opened meanwhile). */
  async release(repoURL: string, branch: string): Promise<void> {
    const target = { repoURL, ref: branch };
    await this.writers.release(target);
    if (!this.writers.has(target)) await rm(join(this.#dir, hashed(writerId(target))), { recursive: true, force: true });
  }

  /** Releases the writers (and working copies) idle for `idleMs`: the next write to their branch opens a new one. */
  async releaseIdle(idleMs: number): Promise<number> {
    const released = await this.writers.releaseIdle(idleMs);
    for (const target of released) if (!this.writers.has(target)) await rm(join(this.#dir, hashed(writerId(target))), { recursive: true, force: true });
    return released.length;
  }

  /** The repository's probe, opened on first use (a failed open is tried again next time). */
  probe(repoURL: string): Promise<BranchProbe> {
    const key = writerId({ repoURL, ref: '' });
    let probe = this.#probes.get(key);
    if (probe === undefined) {
      probe = BranchProbe.open(repoURL, join(this.#dir, `probe-${hashed(key)}`));
      this.#probes.set(key, probe);
      probe.catch(() => this.#probes.delete(key));
    }
    return probe;
  }

  /** True when this hub committed `revision` and already told the branch's followers to refresh for it. */
  announced(revision: string): boolean {
    return this.#fanOuts.has(revision);
  }

  /** Tells the followers of `repoURL`'s `ref` to refresh for `revision`, once per revision. */
  fanOut(deps: HubDeps, repoURL: string, ref: string, revision: string, actor: string): Promise<Refreshed[]> {
    let pending = this.#fanOuts.get(revision);
    if (pending === undefined) {
      pending = refreshFollowers(deps, { repoURLs: [repoURL], ref: `refs/heads/${ref}` }, actor);
      this.#fanOuts.set(revision, pending);
      pending.catch(() => this.#fanOuts.delete(revision));
      if (this.#fanOuts.size > 1000) this.#fanOuts.delete(this.#fanOuts.keys().next().value ?? '');
    }
    return pending;
  }

  close(): Promise<void> {
    clearInterval(this.#sweep);
    return this.writers.close();
  }
}

function hashed(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, 16);
}
