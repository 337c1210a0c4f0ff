/** The runs list as the page keeps it: newest first, at most RUNS_LIMIT runs. Pure. */

export const RUNS_LIMIT = 200;

/** What the list shows of a run (`GET /api/v1/runs`). */
export interface RunSummary {
  id: string;
  repository: string;
  workflow: string;
  event: string;
  ref: string;
  sha: string;
  actor: string;
  status: string;
  conclusion: string | null;
  createdAt: string | null;
  finishedAt: string | null;
}

/** The list with `run` in its place (newest first, then by id as the hub orders), at most `limit` long. */
export function upsertRun(items: readonly RunSummary[], run: RunSummary, limit = RUNS_LIMIT): RunSummary[] {
  const others = items.filter((r) => r.id !== run.id);
  const at = others.findIndex((r) => (r.createdAt ?? '') < (run.createdAt ?? '') || (r.createdAt === run.createdAt && r.id < run.id));
  const next = at === -1 ? [...others, run] : [...others.slice(0, at), run, ...others.slice(at)];
  return next.slice(0, limit);
}
