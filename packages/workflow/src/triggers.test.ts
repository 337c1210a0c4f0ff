import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectedBy } from './filter-pattern.ts';
import type { Triggers } from './model.ts';
import { triggers, type TriggerEvent } from './triggers.ts';

test('filter patterns', () => {
  const rows: { patterns: string[]; value: string; want: boolean }[] = [
    { patterns: ['main'], value: 'main', want: true },
    { patterns: ['releases/*'], value: 'releases/v1', want: true },
    { patterns: ['releases/*'], value: 'releases/v1/x', want: false },
    { patterns: ['releases/**'], value: 'releases/v1/x', want: true },
    { patterns: ['v[12].*'], value: 'v2.0', want: true },
    { patterns: ['v+'], value: 'vvv', want: true },
    { patterns: ['**.js'], value: 'a/b/c.js', want: true },
    { patterns: ['feature/**', '!feature/wip'], value: 'feature/wip', want: false },
    { patterns: ['!feature/wip', 'feature/**'], value: 'feature/wip', want: true },
    { patterns: ['docs/a.b'], value: 'docs/aXb', want: false },
  ];
  for (const row of rows) assert.equal(selectedBy(row.patterns, row.value), row.want, `${row.patterns.join(' ')} ~ ${row.value}`);
});

test('push triggers with branch, tag and path filters', () => {
  const push = (ref: string, changedPaths?: string[]): TriggerEvent => ({ name: 'push', ref, changedPaths });
  const rows: { name: string; on: Triggers; event: TriggerEvent; want: boolean }[] = [
    { name: 'no push trigger', on: { workflowDispatch: { inputs: {} } }, event: push('refs/heads/main'), want: false },
    { name: 'bare push, any branch', on: { push: {} }, event: push('refs/heads/x'), want: true },
    { name: 'bare push, any tag', on: { push: {} }, event: push('refs/tags/v1'), want: true },
    { name: 'branch filter matches', on: { push: { branches: ['main'] } }, event: push('refs/heads/main'), want: true },
    { name: 'branch filter misses', on: { push: { branches: ['main'] } }, event: push('refs/heads/dev'), want: false },
    { name: 'branches only: tags do not trigger', on: { push: { branches: ['main'] } }, event: push('refs/tags/v1'), want: false },
    { name: 'tags only: branches do not trigger', on: { push: { tags: ['v*'] } }, event: push('refs/heads/main'), want: false },
    { name: 'tag filter matches', on: { push: { tags: ['v*'] } }, event: push('refs/tags/v1.2'), want: true },
    { name: 'tags-ignore', on: { push: { 'tags-ignore': ['beta*'] } }, event: push('refs/tags/beta1'), want: false },
    { name: 'branches-ignore', on: { push: { 'branches-ignore': ['wip/**'] } }, event: push('refs/heads/wip/a'), want: false },
    { name: 'paths: one changed path matches', on: { push: { paths: ['src/**'] } }, event: push('refs/heads/main', ['README.md', 'src/a.ts']), want: true },
    { name: 'paths: none matches', on: { push: { paths: ['src/**'] } }, event: push('refs/heads/main', ['README.md']), want: false },
    { name: 'paths-ignore: all ignored', on: { push: { 'paths-ignore': ['docs/**'] } }, event: push('refs/heads/main', ['docs/a.md']), want: false },
    { name: 'paths-ignore: one not ignored', on: { push: { 'paths-ignore': ['docs/**'] } }, event: push('refs/heads/main', ['docs/a.md', 'x']), want: true },
    { name: 'paths do not apply to tags', on: { push: { tags: ['v*'], paths: ['src/**'] } }, event: push('refs/tags/v1', ['README.md']), want: true },
    { name: 'unknown changes run', on: { push: { paths: ['src/**'] } }, event: push('refs/heads/main'), want: true },
    { name: 'dispatch', on: { workflowDispatch: { inputs: {} } }, event: { name: 'workflow_dispatch' }, want: true },
    { name: 'schedule matches its cron', on: { schedule: [{ cron: '0 3 * * *' }] }, event: { name: 'schedule', cron: '0 3 * * *' }, want: true },
    { name: 'schedule of another cron', on: { schedule: [{ cron: '0 3 * * *' }] }, event: { name: 'schedule', cron: '0 4 * * *' }, want: false },
  ];
  for (const row of rows) assert.equal(triggers(row.on, row.event), row.want, row.name);
});
