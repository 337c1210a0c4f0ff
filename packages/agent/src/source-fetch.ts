/**
 * The fetch step of a pass: the revision the application's source points at (a Git ref or a
 * chart version), its checkout, and who committed it. How fresh the answer must be depends on
 * what asked for the pass and on whether a linked hub watches the repository too.
 */
import { LINK_FALLBACK_GIT_POLL_MS, parseDuration, type PassTrigger, type RevisionInfo } from '@trueup/api';
import type { Artifact, GitCache } from '@trueup/git';
import type { ChartCache } from './chart-cache.ts';
import type { LoadedApplication } from './load-applications.ts';

/**
 * A pass on its interval takes where the ref pointed up to this long ago (at most half the
 * interval) when another application's listing of the same repository says so: one
 * `git ls-remote` serves every application on the repository in that time.
 */
const SHARED_LISTING_MAX_AGE_MS = 5000;

/**
 * Whether a linked hub that polls can list this source itself: anonymous HTTP(S), as the hub
 * holds no credentials. Then the hub tells the agent of a new commit, and the agent's own look on
 * an interval pass becomes a slow fallback.
 */
export function hubPollsSource(source: { repoURL: string; credentials?: unknown; chart?: unknown }): boolean {
  return source.chart === undefined && source.credentials === undefined && /^https?:\/\/[^@/]+\//i.test(source.repoURL);
}

export interface SourceFetchDeps {
  loaded: LoadedApplication;
  git: GitCache;
  charts: ChartCache;
  /** How often the linked hub polls the repositories it can read (0: it does not). */
  hubGitPollMs?: (() => number) | undefined;
}

/** What the last fetch left: the revision rendered and what is known of its commit. */
export interface LastFetch {
  renderedRevision: string;
  revisionInfo: RevisionInfo | undefined;
}

export class SourceFetch {
  readonly #deps: SourceFetchDeps;
  readonly #listingMaxAgeMs: number;

  constructor(deps: SourceFetchDeps) {
    this.#deps = deps;
    const { interval } = deps.loaded.application.spec.syncPolicy;
    this.#listingMaxAgeMs = Math.min(SHARED_LISTING_MAX_AGE_MS, (parseDuration(interval) ?? 0) / 2);
  }

  /** Syncs the source; a new Git revision also brings its commit's information (undefined if unreadable). */
  async fetch(trigger: PassTrigger, last: LastFetch): Promise<{ artifact: Artifact; revisionInfo: RevisionInfo | undefined }> {
    const { loaded, git, charts, hubGitPollMs } = this.#deps;
    const { source } = loaded.application.spec;
    const maxAgeMs = trigger !== 'interval' ? 0 : (hubGitPollMs?.() ?? 0) > 0 && hubPollsSource(source) ? LINK_FALLBACK_GIT_POLL_MS : this.#listingMaxAgeMs;
    const artifact = source.chart === undefined
      ? await git.sync(source, { baseDir: loaded.baseDir, lastRevision: last.renderedRevision, maxAgeMs })
      : await charts.sync({ ...source, chart: source.chart }, { baseDir: loaded.baseDir });
    let { revisionInfo } = last;
    if (source.chart === undefined && revisionInfo?.sha !== artifact.revision) {
      revisionInfo = await git.commitInfo(source, artifact.revision, { baseDir: loaded.baseDir }).catch(() => undefined);
    }
    return { artifact, revisionInfo };
  }
}
