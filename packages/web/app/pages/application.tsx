/** One application: header, resources by kind with their diff, conditions, actions, history. */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import { useParams } from 'react-router';
import { getJson, query } from '../api/client.ts';
import { liveSnapshot, subscribeLive } from '../api/live.ts';
import type { ApplicationStatus, ApplicationSummary, LedgerPage, ResourceStatus } from '../api/types.ts';
import { ResourceDiff } from '../ui/resource-diff.tsx';
import { Badge, Card, Empty, ErrorState, Loading, Time } from '../ui/primitives.tsx';
import { Actions } from './application-actions.tsx';
import { Timeline } from './timeline.tsx';

type Detail = ApplicationSummary & { status: ApplicationStatus };

export default function ApplicationPage(): ReactNode {
  const { environment = '', name = '' } = useParams();
  const key = `${environment}/${name}`;
  const path = `/api/v1/environments/${encodeURIComponent(environment)}/applications/${encodeURIComponent(name)}`;
  const detail = useQuery({ queryKey: ['application', key], queryFn: ({ signal }) => getJson<Detail>(path, signal) });
  const history = useQuery({ queryKey: ['history', key], queryFn: ({ signal }) => getJson<LedgerPage>(`/api/v1/events${query({ environment, application: name, limit: '1000' })}`, signal), refetchInterval: 3_000 });
  const live = useSyncExternalStore(subscribeLive, liveSnapshot);
  const patch = live.patches.get(key);
  const queryClient = useQueryClient();
  useEffect(() => {
    if (patch === undefined) return;
    void queryClient.invalidateQueries({ queryKey: ['application', key] });
    void queryClient.invalidateQueries({ queryKey: ['history', key] });
  }, [patch, key, queryClient]);

  if (detail.error !== null) return <ErrorState error={detail.error} retry={() => void detail.refetch()} />;
  if (detail.data === undefined) return <Loading what={`application ${name}`} />;
  const status = detail.data.status;
  const summary = patch ?? detail.data;
  return (
    <>
      <h1>{name} <span className="muted">in {environment}</span></h1>
      <Card title="Status">
        <div className="kv">
          <span>Sync <Badge value={summary.sync} label="sync" /></span>
          <span>Health <Badge value={summary.health} label="health" /></span>
          <span>Revision <code title={status.revision}>{status.revision.slice(0, 12) || '—'}</code></span>
          {status.source === undefined ? null : <span className="muted">{status.source.repoURL} @ {status.source.ref}{status.source.path === '' ? '' : ` /${status.source.path}`}</span>}
          <span>Last pass <Time iso={status.lastPassAt} /></span>
        </div>
        {status.error === undefined ? null : <p role="alert" className="state-error">{status.error.code}: {status.error.message}</p>}
      </Card>
      <Actions environment={environment} name={name} />
      <Resources resources={status.resources ?? []} />
      <Card title="Conditions">
        {(status.conditions ?? []).length === 0 ? <Empty title="No conditions reported" /> : (
          <table className="plain">
            <thead><tr><th>Type</th><th>Status</th><th>Reason</th><th>Message</th><th>Since</th></tr></thead>
            <tbody>{status.conditions.map((c) => <tr key={c.type}><td>{c.type}</td><td>{c.status}</td><td>{c.reason}</td><td>{c.message}</td><td><Time iso={c.lastTransitionTime} /></td></tr>)}</tbody>
          </table>
        )}
      </Card>
      <Card title="History">
        {history.error !== null ? <ErrorState error={history.error} /> : history.data === undefined ? <Loading what="history" /> : <Timeline entries={history.data.items} />}
      </Card>
    </>
  );
}

function Resources({ resources }: { resources: ResourceStatus[] }): ReactNode {
  const [open, setOpen] = useState<string | undefined>();
  const byKind = new Map<string, ResourceStatus[]>();
  for (const r of resources) byKind.set(r.kind, [...(byKind.get(r.kind) ?? []), r]);
  const id = (r: ResourceStatus): string => `${r.apiVersion ?? ''}/${r.kind}/${r.namespace ?? ''}/${r.name}`;
  return (
    <Card title={`Resources (${resources.length})`}>
      {resources.length === 0 ? <Empty title="No resources" /> : [...byKind].sort(([a], [b]) => a.localeCompare(b)).map(([kind, list]) => (
        <details key={kind} open>
          <summary><strong>{kind}</strong> <span className="muted">({list.length})</span></summary>
          <table className="plain">
            <thead><tr><th>Name</th><th>Sync</th><th>Health</th></tr></thead>
            <tbody>{list.map((r) => (
              <tr key={id(r)}>
                <td><button type="button" className="resource-button" aria-expanded={open === id(r)} onClick={() => setOpen(open === id(r) ? undefined : id(r))}>{r.namespace === undefined ? '' : `${r.namespace}/`}{r.name}</button>
                  {open === id(r) ? <ResourceDiff resource={r} /> : null}</td>
                <td><Badge value={r.sync} label="sync" /></td>
                <td><Badge value={r.health.status} label="health" /></td>
              </tr>
            ))}</tbody>
          </table>
        </details>
      ))}
    </Card>
  );
}
