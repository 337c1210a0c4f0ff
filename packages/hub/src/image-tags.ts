/**
 * Which tag an image policy picks, purely: the newest version in a semver range, or the last of
 * the tags matching a pattern in its sort order (numerical or alphabetical, over the group named
 * `sort` when the pattern has one). Tags that do not parse are left out, never guessed.
 */
import type { ImagePolicy } from '@trueup/api';
import semver from 'semver';

export function newestTag(policy: Pick<ImagePolicy, 'semver' | 'pattern' | 'sort'>, tags: readonly string[]): string | undefined {
  if (policy.semver !== undefined) {
    const range = policy.semver;
    const versions = tags.filter((tag) => semver.valid(tag, { loose: false }) !== null && semver.satisfies(tag, range, { includePrerelease: false }));
    return versions.sort((a, b) => semver.compare(a, b) || a.localeCompare(b)).at(-1);
  }
  if (policy.pattern === undefined) return undefined;
  const pattern = new RegExp(policy.pattern, 'u');
  const keyed: { tag: string; key: string }[] = [];
  for (const tag of tags) {
    const match = pattern.exec(tag);
    if (match === null) continue;
    const key = match.groups?.sort ?? tag;
    if (policy.sort === 'numerical' && !/^\d{1,15}(\.\d+)?$/.test(key)) continue;
    keyed.push({ tag, key });
  }
  keyed.sort((a, b) => (policy.sort === 'numerical' ? Number(a.key) - Number(b.key) : a.key < b.key ? -1 : a.key > b.key ? 1 : 0) || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  return keyed.at(-1)?.tag;
}
