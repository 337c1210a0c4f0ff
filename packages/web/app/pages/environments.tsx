/**
 * Every environment's agent: connected or last seen, version, reconnects, queue, application
 * counts. A revoked or silent agent stands out: listed first, marked, and named above the table.
 * Reconnects are the hub's own count; a hub too old to keep one is asked for its ledger's last
 * 1,000 connections instead, and the column says so.
 */
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { getJson } from '../api/client.ts';
import type { ApplicationCounts, Environment, LedgerPage } from '../api/types.ts';
import { Badge, Card, Empty, ErrorState, Loading, Time } from '../ui/primitives.tsx';

/** No heartbeat for this long while not connected: silent. */
const SILENT_MS = 5 * 60_000;

export default function EnvironmentsPage(): ReactNode {
  const environments = useQuery({ queryKey: ['environments'], queryFn: ({ signal }) => getJson<{ items: Environment[] }>('/api/v1/environments', signal), refetchInterval: 10_000 });
  const counted = environments.data?.items.every((e) => e.reconnects !== undefined) ?? true;
  const connects = useQuery({ queryKey: ['connects'], queryFn: ({ signal }) => getJson<LedgerPage>('/api/v1/events?kind=agent-connected&order=desc&limit=1000', signal).then(countByEnvironment), refetchInterval: 30_000, enabled: !counted });
  if (environments.error !== null) return <ErrorState error={environments.error} retry={() => void environments.refetch()} />;
  if (environments.data === undefined) return <Loading what="environments" />;
  const now = Date.now();
  const items = [...environments.data.items].sort((a, b) => Number(needsAttention(b, now)) - Number(needsAttention(a, now)) || a.name.localeCompare(b.name));
  const attention = items.filter((e) => needsAttention(e, now));
  return (
    <>
      <h1>Environments</h1>
      {attention.length === 0 ? null : (
        <p role="alert" className="attention">
          {attention.map((e) => `${e.name}: ${agentState(e, now)}`).join(' · ')} — {attention.length === 1 ? 'this agent needs' : 'these agents need'} a look.
        </p>
      )}
      {items.length === 0 ? <Empty title="No environments yet">Make a join token with <code>trueup hub join-token create</code> and start an agent with it.</Empty> : (
        <Card title={`${items.length} environments`}>
          <table className="plain">
            <thead><tr><th>Environment</th><th>Agent</th><th>Version</th><th>Labels</th><th>Applications</th><th>Reconnects</th><th>Queued commands</th></tr></thead>
            <tbody>{items.map((e) => <EnvironmentRow key={e.name} environment={e} reconnects={reconnectsOf(e, connects.data)} />)}</tbody>
          </table>
        </Card>
      )}
    </>
  );
}

export function agentState(e: Environment, now: number): 'revoked' | 'connected' | 'silent' | 'offline' {
  if (e.revoked) return 'revoked';
  if (e.connected) return 'connected';
  return e.lastSeenAt === undefined || now - new Date(e.lastSeenAt).getTime() > SILENT_MS ? 'silent' : 'offline';
}

function needsAttention(e: Environment, now: number): boolean {
  const state = agentState(e, now);
  return state === 'revoked' || state === 'silent';
}

/** The hub's count, else one less than the connections among the ledger's last 1,000 (from an older hub). */
function reconnectsOf(e: Environment, ledgerConnects: Map<string, number> | undefined): { count: number; exact: boolean } | undefined {
  if (e.reconnects !== undefined) return { count: e.reconnects, exact: true };
  const connects = ledgerConnects?.get(e.name);
  return ledgerConnects === undefined ? undefined : { count: Math.max(0, (connects ?? 0) - 1), exact: false };
}

/** Connections per environment among the ledger entries. */
function countByEnvironment(page: LedgerPage): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of page.items) counts.set(e.environment, (counts.get(e.environment) ?? 0) + 1);
  return counts;
}

function EnvironmentRow({ environment: e, reconnects }: { environment: Environment; reconnects: { count: number; exact: boolean } | undefined }): ReactNode {
  const counts = useQuery({ queryKey: ['counts', e.name], queryFn: ({ signal }) => getJson<ApplicationCounts>(`/api/v1/applications/counts?environment=${encodeURIComponent(e.name)}`, signal) });
  const state = agentState(e, Date.now());
  return (
    <tr className={state === 'revoked' || state === 'silent' ? 'stands-out' : ''}>
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
      <td title={reconnects?.exact === false ? 'connections after the first among the ledger\'s last 1,000' : 'connections after the first, as the hub counted them'}>
        {reconnects === undefined ? '…' : reconnects.count}
      </td>
      <td>{e.queuedCommands}</td>
    </tr>
  );
}
