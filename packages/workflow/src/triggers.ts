/** Whether an event starts a workflow: push (branch, tag and path filters), dispatch, schedule. Pure. */
import { selectedBy } from './filter-pattern.ts';
import type { Triggers } from './model.ts';

export type TriggerEvent =
  | { name: 'push'; ref: string; changedPaths?: readonly string[] | undefined }
  | { name: 'workflow_dispatch' }
  | { name: 'schedule'; cron: string };

export function triggers(on: Triggers, event: TriggerEvent): boolean {
  switch (event.name) {
    case 'workflow_dispatch':
      return on.workflowDispatch !== undefined;
    case 'schedule':
      return (on.schedule ?? []).some((entry) => entry.cron === event.cron);
    case 'push':
      return on.push !== undefined && pushMatches(on.push, event.ref, event.changedPaths);
  }
}

function pushMatches(filter: NonNullable<Triggers['push']>, ref: string, changedPaths: readonly string[] | undefined): boolean {
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
  const tag = ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined;
  const hasBranchFilter = filter.branches !== undefined || filter['branches-ignore'] !== undefined;
  const hasTagFilter = filter.tags !== undefined || filter['tags-ignore'] !== undefined;
  if (tag !== undefined) {
    // A filter on branches only means tags do not trigger; path filters do not apply to tags.
    if (!hasTagFilter) return !hasBranchFilter;
    if (filter.tags !== undefined) return selectedBy(filter.tags, tag);
    return !selectedBy(filter['tags-ignore'] ?? [], tag);
  }
  if (branch === undefined) return false;
  if (!hasBranchFilter && hasTagFilter) return false;
  if (filter.branches !== undefined && !selectedBy(filter.branches, branch)) return false;
  if (filter['branches-ignore'] !== undefined && selectedBy(filter['branches-ignore'], branch)) return false;
  return pathsMatch(filter, changedPaths);
}

function pathsMatch(filter: NonNullable<Triggers['push']>, changedPaths: readonly string[] | undefined): boolean {
  // Unknown changes (a new branch, a forced push) run the workflow, as GitHub does.
  if (changedPaths === undefined) return true;
  if (filter.paths !== undefined) return changedPaths.some((path) => selectedBy(filter.paths ?? [], path));
  if (filter['paths-ignore'] !== undefined) return !changedPaths.every((path) => selectedBy(filter['paths-ignore'] ?? [], path));
  return true;
}
