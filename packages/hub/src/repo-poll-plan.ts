/**
 * What one poll of a repository found, as a pure function of the refs its applications follow,
 * the `git ls-remote --symref` listing and the heads seen at the previous poll: the heads to
 * keep, and each ref that moved (by its full name, once even when several spellings follow it).
 */
import { isFullSha, lsRemotePatterns, pickRemoteRef } from '@trueup/git';

export interface PollPlan {
  /** Followed ref (as applications spell it) → commit now. */
  heads: Map<string, string>;
  /** Refs that moved since the last poll (or were never seen), by full name, with the new commit. */
  moved: { ref: string; sha: string }[];
  /** The branch HEAD names, when the listing says. */
  defaultBranch: string | undefined;
  /** Followed refs the repository does not have. */
  missing: string[];
}

/** Only refs that name a branch, a tag or HEAD are polled: a full commit SHA never moves. */
export function polledRefs(followed: readonly string[]): string[] {
  return [...new Set(followed.map((ref) => (ref === '' ? 'HEAD' : ref)))].filter((ref) => !isFullSha(ref) && /^[\w./-]+$/.test(ref) && !ref.startsWith('-') && !ref.includes('..')).sort();
}

/** The ls-remote patterns for the followed refs, HEAD always included (its symref names the default branch). */
export function listingPatterns(refs: readonly string[]): string[] {
  return [...new Set(['HEAD', ...refs.flatMap(lsRemotePatterns)])];
}

export function planPoll(followed: readonly string[], listing: string, seen: ReadonlyMap<string, string>): PollPlan {
  const defaultBranch = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(listing)?.[1];
  const heads = new Map<string, string>();
  const moved = new Map<string, string>();
  const missing: string[] = [];
  for (const ref of polledRefs(followed)) {
    const found = pickRemoteRef(listing, ref);
    if (found === undefined) {
      missing.push(ref);
      continue;
    }
    heads.set(ref, found.sha);
    if (seen.get(ref) === found.sha) continue;
    const full = ref === 'HEAD' && defaultBranch !== undefined ? `refs/heads/${defaultBranch}` : found.name;
    moved.set(full, found.sha);
  }
  return { heads, moved: [...moved].map(([ref, sha]) => ({ ref, sha })), defaultBranch, missing };
}
