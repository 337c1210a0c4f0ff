/**
 * A ref that follows a semantic version range (Flux's `GitRepository` `ref.semver`): written
 * `semver:<range>`, it points to the highest tag whose name is a version in the range (a leading
 * `v` allowed, as in `v1.2.3`). `:` cannot appear in a branch or tag name, so the form is never
 * mistaken for one. Ranges take npm's syntax; a comma between comparators (Flux's `>=1.0, <2.0`)
 * is read as a space, since both mean "and".
 */
import semver from 'semver';

export const SEMVER_REF_PREFIX = 'semver:';

/** The range of a `semver:` ref, or undefined for any other ref. */
export function semverRange(ref: string): string | undefined {
  return ref.startsWith(SEMVER_REF_PREFIX) ? ref.slice(SEMVER_REF_PREFIX.length).replace(/,/g, ' ').trim() : undefined;
}

/** Whether `range` is a range semver reads (empty is not). */
export function isValidSemverRange(range: string): boolean {
  return range !== '' && semver.validRange(range.replace(/,/g, ' ')) !== null;
}

/**
 * The highest of these tag names (without `refs/tags/`) in the range; prereleases only when the
 * range names one of their version, as npm and Flux both do.
 */
export function highestInRange(tags: readonly string[], range: string): string | undefined {
  let best: { tag: string; version: string } | undefined;
  for (const tag of tags) {
    const version = semver.valid(tag.replace(/^v(?=\d)/, ''));
    if (version === null || !semver.satisfies(version, range)) continue;
    if (best === undefined || semver.gt(version, best.version)) best = { tag, version };
  }
  return best?.tag;
}
