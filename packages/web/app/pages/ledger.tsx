/** The hub's ledger: filter by environment, application and kind; syncs, drifts and heals over time as a chart. */
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useSearchParams } from 'react-router';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { getJson, query } from '../api/client.ts';
import type { Environment, LedgerEntry, LedgerPage } from '../api/types.ts';
import { Card, ErrorState, Loading, Select, TextField } from '../ui/primitives.tsx';
import { Timeline } from './timeline.tsx';

const KINDS = ['sync', 'drift', 'heal', 'command-requested', 'command-finished', 'denied', 'agent-connected', 'agent-disconnected', 'agent-joined', 'agent-revoked', 'join-token-created', 'removed'] as const;
const CHARTED = ['sync', 'drift', 'heal'] as const;

/** Entries per hour (or per minute within the last two hours), by kind. */
export function buckets(entries: LedgerEntry[]): { at: string; sync: number; drift: number; heal: number }[] {
  if (entries.length === 0) return [];
  const first = new Date(entries[0]?.at ?? 0).getTime();
  const span = new Date(entries.at(-1)?.at ?? 0).getTime() - first;
  const size = span < 2 * 3_600_000 ? 60_000 : 3_600_000;
  const out = new Map<number, { at: string; sync: number; drift: number; heal: number }>();
  for (const e of entries) {
    if (!(CHARTED as readonly string[]).includes(e.kind)) continue;
    const slot = Math.floor(new Date(e.at).getTime() / size) * size;
    const bucket = out.get(slot) ?? { at: new Date(slot).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }), sync: 0, drift: 0, heal: 0 };
    bucket[e.kind as (typeof CHARTED)[number]] += 1;
    out.set(slot, bucket);
  }
  return [...out.entries()].sort(([a], [b]) => a - b).map(([, b]) => b);
}

export default function LedgerPage(): ReactNode {
  const [params, setParams] = useSearchParams();
  const filters = { environment: params.get('environment') ?? undefined, application: params.get('application') ?? undefined, kind: params.get('kind') ?? undefined };
  const set = (key: string, value: string): void => {
    const next = new URLSearchParams(params);
    if (value === '') next.delete(key);
    else next.set(key, value);
    setParams(next, { replace: true });
  };
  const environments = useQuery({ queryKey: ['environments'], queryFn: ({ signal }) => getJson<{ items: Environment[] }>('/api/v1/environments', signal) });
  const ledger = useQuery({ queryKey: ['ledger', filters], queryFn: ({ signal }) => getJson<LedgerPage>(`/api/v1/events${query({ ...filters, limit: '1000' })}`, signal), refetchInterval: 5_000 });
  const entries = ledger.data?.items ?? [];
  return (
    <>
      <h1>Ledger</h1>
      <div className="filters" role="search" aria-label="Filter the ledger">
        <Select label="Environment" value={filters.environment ?? ''} options={(environments.data?.items ?? []).map((e) => e.name)} onChange={(v) => set('environment', v)} />
        <TextField label="Application" value={filters.application ?? ''} onChange={(v) => set('application', v)} />
        <Select label="Kind" value={filters.kind ?? ''} options={KINDS} onChange={(v) => set('kind', v)} />
      </div>
      {ledger.error !== null ? <ErrorState error={ledger.error} retry={() => void ledger.refetch()} /> : ledger.data === undefined ? <Loading what="the ledger" /> : (
        <>
          <Card title="Syncs, drifts and heals over time">
            <div role="img" aria-label={`Chart: ${entries.filter((e) => e.kind === 'sync').length} syncs, ${entries.filter((e) => e.kind === 'drift').length} drifts, ${entries.filter((e) => e.kind === 'heal').length} heals`} style={{ height: 220 }}>
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={buckets(entries)}>
                  <CartesianGrid strokeDasharray="3 3" stroke="var(--line)" />
                  <XAxis dataKey="at" stroke="var(--muted)" fontSize={12} />
                  <YAxis allowDecimals={false} stroke="var(--muted)" fontSize={12} />
                  <Tooltip contentStyle={{ background: 'var(--panel)', border: '1px solid var(--line)' }} />
                  <Legend />
                  <Bar dataKey="sync" stackId="a" isAnimationActive={false} fill="#3b7be0" />
                  <Bar dataKey="drift" stackId="a" isAnimationActive={false} fill="#d99100" />
                  <Bar dataKey="heal" stackId="a" isAnimationActive={false} fill="#2e9d5c" />
                </BarChart>
              </ResponsiveContainer>
            </div>
          </Card>
          <Card title={`Events (${entries.length})`}>
            <Timeline entries={entries} showApplication />
          </Card>
        </>
      )}
    </>
  );
}
