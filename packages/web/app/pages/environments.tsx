/** Every environment's agent: connected or last seen, version, queue, application counts; revoked or silent stands out. */
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { getJson } from '../api/client.ts';
import type { ApplicationCounts, Environment } from '../api/types.ts';
import { Badge, Card, Empty, ErrorState, Loading, Time } from '../ui/primitives.tsx';

/** No heartbeat for this long while not connected: silent. */
const SILENT_MS = 5 * 60_000;

export default function EnvironmentsPage(): ReactNode {
  const environments = useQuery({ queryKey: ['environments'], queryFn: ({ signal }) => getJson<{ items: Environment[] }>('/api/v1/environments', signal), refetchInterval: 10_000 });
  if (environments.error !== null) return <ErrorState error={environments.error} retry={() => void environments.refetch()} />;
  if (environments.data === undefined) return <Loading what="environments" />;
  const items = environments.data.items;
  return (
    <>
      <h1>Environments</h1>
      {items.length === 0 ? <Empty title="No environments yet">Make a join token with <code>trueup hub join-token create</code> and start an agent with it.</Empty> : (
        <Card title={`${items.length} environments`}>
          <table className="plain">
            <thead><tr><th>Environment</th><th>Agent</th><th>Version</th><th>Labels</th><th>Applications</th><th>Queued commands</th></tr></thead>
            <tbody>{items.map((e) => <EnvironmentRow key={e.name} environment={e} />)}</tbody>
          </table>
        </Card>
      )}
    </>
  );
}

function EnvironmentRow({ environment: e }: { environment: Environment }): ReactNode {
  const counts = useQuery({ queryKey: ['counts', e.name], queryFn: ({ signal }) => getJson<ApplicationCounts>(`/api/v1/applications/counts?environment=${encodeURIComponent(e.name)}`, signal) });
  const silent = !e.connected && (e.lastSeenAt === undefined || Date.now() - new Date(e.lastSeenAt).getTime() > SILENT_MS);
  const state = e.revoked ? 'revoked' : e.connected ? 'connected' : silent ? 'silent' : 'offline';
  return (
    <tr className={e.revoked || silent ? 'stands-out' : ''}>
      <td><Link to={`/?environment=${encodeURIComponent(e.name)}`}>{e.name}</Link></td>
      <td><Badge value={state} label="agent" /> {e.connected ? null : <span className="muted">last seen <Time iso={e.lastSeenAt} /></span>}</td>
      <td>{e.agentVersion ?? <span className="muted">unknown</span>}</td>
      <td>{Object.entries(e.labels).map(([k, v]) => <code key={k}>{k}={v} </code>)}</td>
      <td>{e.applications}{counts.data === undefined ? null : (
        <span className="kv" style={{ display: 'inline-flex', marginLeft: 8, gap: 4 }}>
          {Object.entries(counts.data.sync).filter(([, n]) => n > 0).map(([s, n]) => <span key={s}><Badge value={s} /> {n}</span>)}
          {Object.entries(counts.data.health).filter(([h, n]) => n > 0 && h !== 'Healthy').map(([h, n]) => <span key={h}><Badge value={h} /> {n}</span>)}
        </span>
      )}</td>
      <td>{e.queuedCommands}</td>
    </tr>
  );
}
