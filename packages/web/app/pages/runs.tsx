/** Pipeline runs, newest first: workflow, commit, who started it, status, when; kept current by the runs' stream. */
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { getJson } from '../api/client.ts';
import { RUNS_KEY, RUNS_LIMIT, useRunsStream, type RunSummary } from '../api/run-stream.ts';
import { Badge, Card, Empty, ErrorState, Loading, Time } from '../ui/primitives.tsx';

export type { RunSummary } from '../api/run-stream.ts';

/** What a run or a job shows: its conclusion once completed, else its status. */
export function runState(r: { status: string; conclusion: string | null }): string {
  return r.status === 'completed' ? (r.conclusion ?? 'completed') : r.status;
}

export default function RunsPage(): ReactNode {
  const stream = useRunsStream();
  const runs = useQuery({
    queryKey: RUNS_KEY,
    queryFn: ({ signal }) => getJson<{ items: RunSummary[] }>(`/api/v1/runs?limit=${RUNS_LIMIT}`, signal),
    // The stream sends the list and each change; a hub without it is read again while a run is in progress.
    enabled: stream === 'absent',
    refetchInterval: (q) => (stream !== 'absent' ? false : q.state.data?.items.some((r) => r.status !== 'completed') === true ? 2_000 : 15_000),
  });
  if (runs.error !== null) return <ErrorState error={runs.error} retry={() => void runs.refetch()} />;
  if (runs.data === undefined) return <Loading what="pipeline runs" />;
  const items = runs.data.items;
  return (
    <>
      <h1>Runs</h1>
      {items.length === 0 ? <Empty title="No pipeline runs yet">Track a repository (<code>POST /api/v1/repos</code>) or dispatch a workflow to see its runs here.</Empty> : (
        <Card title={`${items.length} runs`}>
          <table className="plain" aria-label="Runs">
            <thead><tr><th>Workflow</th><th>Status</th><th>Repository</th><th>Ref</th><th>Commit</th><th>By</th><th>Started</th></tr></thead>
            <tbody>{items.map((r) => (
              <tr key={r.id}>
                <td><Link to={`/runs/${encodeURIComponent(r.id)}`}>{r.workflow}</Link></td>
                <td><Badge value={runState(r)} label="run" /></td>
                <td>{r.repository}</td>
                <td>{r.ref}</td>
                <td><code title={r.sha}>{r.sha.slice(0, 12)}</code></td>
                <td>{r.actor} <span className="muted">({r.event})</span></td>
                <td><Time iso={r.createdAt ?? undefined} /></td>
              </tr>
            ))}</tbody>
          </table>
        </Card>
      )}
    </>
  );
}
