/**
 * The hub's shared Git poll, for repositories without webhooks: every interval, one
 * `git ls-remote` per distinct repository the live applications follow, however many
 * applications and agents follow it; a followed ref that moved refreshes exactly the
 * applications following it that do not report that commit yet (the webhook's fan-out).
 *
 * Only one replica polls: the one holding the PostgreSQL advisory lock (on SQLite, the hub).
 * The hub holds no credentials (ADR 14): it lists anonymously, and only http(s) URLs; a
 * repository it cannot read is left to webhooks and to the agents' own polls.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { LEADER_LOCKS, type FollowedRepository, type LeaderLock } from '@trueup/store';
import type { HubDeps } from './deps.ts';
import { refreshFollowers } from './fan-out.ts';
import { listingPatterns, planPoll, polledRefs } from './repo-poll-plan.ts';

const exec = promisify(execFile);
/** Default poll interval of `trueup hub` (`--poll-interval`). */
export const REPO_POLL_MS = 30_000;
/** Repositories listed at once. */
const CONCURRENCY = 8;
const LS_REMOTE_TIMEOUT_MS = 30_000;
/** The User-Agent of the hub's listings: a forge's logs tell them from the agents'. */
export const POLL_USER_AGENT = 'trueup-hub-poll';

export interface RepoPollerDeps extends Pick<HubDeps, 'store' | 'links' | 'metrics' | 'now'> {
  log: (message: string) => void;
  intervalMs: number;
  /** An empty folder git runs in as HOME: none of the user's configuration or credentials. */
  homeDir: string;
}

export interface PollRound {
  leader: boolean;
  repositories: number;
  listed: number;
  refreshed: number;
}

/** Whether the hub lists this URL: HTTP(S) only (an ssh:// or file:// URL names keys or paths of the agent's side). */
export function pollable(url: string): boolean {
  return /^https?:\/\/[^@/]+\//i.test(url);
}

export class RepoPoller {
  readonly #deps: RepoPollerDeps;
  readonly #lock: LeaderLock;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<PollRound> | undefined;
  /** The last failure logged per repository, so a lasting one is logged once. */
  readonly #failures = new Map<string, string>();

  constructor(deps: RepoPollerDeps) {
    this.#deps = deps;
    this.#lock = deps.store.leaderLock(LEADER_LOCKS.repoPoll);
  }

  start(): void {
    if (this.#deps.intervalMs <= 0) return;
    this.#timer = setInterval(() => void this.poll().catch((error: unknown) => this.#deps.log(`git poll: ${String(error)}`)), this.#deps.intervalMs);
    this.#timer.unref();
  }

  /** One round now (a round already running is joined, not doubled). */
  poll(): Promise<PollRound> {
    this.#round ??= this.#pollRound().finally(() => {
      this.#round = undefined;
    });
    return this.#round;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#round?.catch(() => undefined);
    await this.#lock.release();
  }

  async #pollRound(): Promise<PollRound> {
    const { store, metrics } = this.#deps;
    const leader = await this.#lock.acquire();
    metrics.repoPollLeader.set(leader ? 1 : 0);
    if (!leader) return { leader, repositories: 0, listed: 0, refreshed: 0 };
    const repos = await store.polledHeads.followed();
    metrics.polledRepositories.set(repos.length);
    await store.polledHeads.forgetExcept(repos.map((r) => r.key));
    const queue = [...repos];
    const round = { leader, repositories: repos.length, listed: 0, refreshed: 0 };
    const worker = async (): Promise<void> => {
      for (let repo = queue.shift(); repo !== undefined; repo = queue.shift()) {
        const result = await this.#pollRepository(repo);
        if (result !== undefined) {
          round.listed += 1;
          round.refreshed += result;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
    return round;
  }

  /** Lists one repository and fans out what moved; the number of refreshes, or undefined when it was not listed. */
  async #pollRepository(repo: FollowedRepository): Promise<number | undefined> {
    const { store, metrics, now } = this.#deps;
    const refs = polledRefs(repo.refs);
    if (refs.length === 0) return undefined;
    if (!pollable(repo.url)) {
      metrics.repoPolls.inc({ result: 'skipped' });
      return undefined;
    }
    const started = performance.now();
    let listing: string;
    try {
      listing = await this.#lsRemote(repo.url, listingPatterns(refs));
      this.#failures.delete(repo.key);
    } catch (error) {
      metrics.repoPolls.inc({ result: 'failed' });
      const message = error instanceof Error ? error.message : String(error);
      if (this.#failures.get(repo.key) !== message) this.#deps.log(`git poll: listing ${repo.url} failed (its agents keep polling it themselves): ${message}`);
      this.#failures.set(repo.key, message);
      return undefined;
    } finally {
      metrics.repoPollDuration.observe((performance.now() - started) / 1000);
    }
    const plan = planPoll(refs, listing, await store.polledHeads.heads(repo.key));
    let refreshed = 0;
    for (const { ref, sha } of plan.moved) {
      const told = await refreshFollowers(this.#deps, { repoURLs: [repo.url], ref, defaultBranch: plan.defaultBranch, revision: sha }, 'poll', { skipAt: sha });
      refreshed += told.length;
    }
    await store.polledHeads.record(repo.key, plan.heads, now());
    metrics.repoPolls.inc({ result: plan.moved.length > 0 ? 'changed' : 'unchanged' });
    metrics.repoPollRefreshes.inc(refreshed);
    return refreshed;
  }

  async #lsRemote(url: string, patterns: readonly string[]): Promise<string> {
    const { homeDir } = this.#deps;
    await mkdir(homeDir, { recursive: true, mode: 0o700 });
    try {
      const { stdout } = await exec('git', ['-c', 'credential.helper=', '-c', `http.userAgent=${POLL_USER_AGENT}`, 'ls-remote', '--symref', url, ...patterns], {
        cwd: homeDir,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: homeDir, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '/bin/false', LANG: 'C' },
        timeout: LS_REMOTE_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout;
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim();
      if ((error as { killed?: boolean }).killed === true) throw new Error(`git ls-remote gave no answer within ${LS_REMOTE_TIMEOUT_MS / 1000} s`);
      throw new Error(stderr === undefined || stderr === '' ? (error as Error).message : (stderr.split('\n').at(-1) ?? stderr));
    }
  }
}
