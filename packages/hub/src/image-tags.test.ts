/** Which tag an image policy picks: semver ranges, patterns with a sort key, tags that do not parse. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newestTag } from './image-tags.ts';

const TAGS = ['latest', '1.0.0', '1.10.0', '1.9.3', '2.0.0', '2.0.0-rc.1', 'v1.11.0', '1.2', 'main-7', 'main-12', 'main-x', 'feature-99', '1.12.0+build.5'];

const table: { name: string; policy: Parameters<typeof newestTag>[0]; tags?: string[]; want: string | undefined }[] = [
  { name: 'newest in range, numerically, not lexically', policy: { semver: '>=1.0.0 <2', sort: 'alphabetical' }, want: '1.12.0+build.5' },
  { name: 'caret range', policy: { semver: '^1.9', sort: 'alphabetical' }, tags: ['1.9.0', '1.9.3', '1.10.0', '2.0.0'], want: '1.10.0' },
  { name: 'pre-releases only when the range asks', policy: { semver: '>=2.0.0-rc.0', sort: 'alphabetical' }, tags: ['2.0.0-rc.1', '1.0.0'], want: '2.0.0-rc.1' },
  { name: 'tags that are not versions are left out (two parts, words); a v prefix is a version', policy: { semver: '*', sort: 'alphabetical' }, tags: ['latest', '9.0', 'nine', '0.1.0'], want: '0.1.0' },
  { name: 'a v prefix is read as a version, the tag kept as written', policy: { semver: '^9', sort: 'alphabetical' }, tags: ['v9.0.0', '8.0.0'], want: 'v9.0.0' },
  { name: 'nothing in range', policy: { semver: '>=3', sort: 'alphabetical' }, want: undefined },
  { name: 'pattern with a numerical sort key', policy: { pattern: '^main-(?<sort>\\d+)$', sort: 'numerical' }, want: 'main-12' },
  { name: 'pattern sorted alphabetically over the whole tag', policy: { pattern: '^main-', sort: 'alphabetical' }, want: 'main-x' },
  { name: 'a numerical key that is not a number is left out', policy: { pattern: '^main-(?<sort>.+)$', sort: 'numerical' }, tags: ['main-x', 'main-3'], want: 'main-3' },
  { name: 'no tags', policy: { semver: '*', sort: 'alphabetical' }, tags: [], want: undefined },
];

for (const row of table) {
  test(`newestTag: ${row.name}`, () => {
    assert.equal(newestTag(row.policy, row.tags ?? TAGS), row.want);
  });
}
