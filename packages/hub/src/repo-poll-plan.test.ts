/** What one poll of a repository found: a table of listings against the heads seen before. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listingPatterns, planPoll, polledRefs } from './repo-poll-plan.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const T = 'd'.repeat(40);
const listing = (main: string, extra = ''): string => `ref: refs/heads/main\tHEAD\n${main}\tHEAD\n${main}\trefs/heads/main\n${C}\trefs/heads/dev\n${T}\trefs/tags/v1\n${A}\trefs/tags/v1^{}\n${extra}`;

test('planPoll', () => {
  const cases: { name: string; followed: string[]; listing: string; seen: Record<string, string>; moved: { ref: string; sha: string }[]; heads: Record<string, string>; missing?: string[] }[] = [
    { name: 'first poll: every followed ref counts as moved', followed: ['main'], listing: listing(A), seen: {}, moved: [{ ref: 'refs/heads/main', sha: A }], heads: { main: A } },
    { name: 'nothing moved', followed: ['main', 'dev'], listing: listing(A), seen: { main: A, dev: C }, moved: [], heads: { dev: C, main: A } },
    { name: 'main moved', followed: ['main', 'dev'], listing: listing(B), seen: { main: A, dev: C }, moved: [{ ref: 'refs/heads/main', sha: B }], heads: { dev: C, main: B } },
    { name: 'HEAD, main and refs/heads/main are one ref: one fan-out', followed: ['HEAD', 'main', 'refs/heads/main', ''], listing: listing(B), seen: { HEAD: A, main: A, 'refs/heads/main': A }, moved: [{ ref: 'refs/heads/main', sha: B }], heads: { HEAD: B, main: B, 'refs/heads/main': B } },
    { name: 'an annotated tag is its commit', followed: ['v1'], listing: listing(A), seen: {}, moved: [{ ref: 'refs/tags/v1', sha: A }], heads: { v1: A } },
    { name: 'a full SHA never moves and is not listed', followed: [A, 'dev'], listing: listing(A), seen: { dev: C }, moved: [], heads: { dev: C } },
    { name: 'a ref the repository lacks is missing, not moved', followed: ['gone'], listing: listing(A), seen: { gone: A }, moved: [], heads: {}, missing: ['gone'] },
    { name: 'feature/main is not main', followed: ['main'], listing: `${A}\trefs/heads/feature/main\n`, seen: {}, moved: [], heads: {}, missing: ['main'] },
  ];
  for (const c of cases) {
    const plan = planPoll(c.followed, c.listing, new Map(Object.entries(c.seen)));
    assert.deepEqual(plan.moved, c.moved, c.name);
    assert.deepEqual(Object.fromEntries([...plan.heads].sort()), c.heads, c.name);
    assert.deepEqual(plan.missing, c.missing ?? [], c.name);
  }
});

test('polledRefs and listingPatterns: only names git can list, HEAD always asked', () => {
  assert.deepEqual(polledRefs(['main', 'main', '', A, '--upload-pack=x', 'a..b', 'v1']), ['HEAD', 'main', 'v1']);
  assert.deepEqual(listingPatterns(['main']), ['HEAD', 'refs/heads/main', 'refs/tags/main', 'refs/tags/main^{}']);
});
