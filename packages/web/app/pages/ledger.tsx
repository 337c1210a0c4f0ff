/**
 * The hub's ledger, newest first: filter by environment, application, user and kind (kept in the
 * URL); syncs, drifts and heals over time per environment as charts. New entries come in as the
 * stream announces them; older ones page in on demand.
 */
import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useSyncExternalStore, type ReactNode } from 'react';
import { useSearchParams } from 'react-router';
import { getJson, query } from '../api/client.ts';
import { liveSnapshot, subscribeLive } from '../api/live.ts';
import type { Environment, LedgerPage } from '../api/types.ts';
import { Button, Card, ErrorState, Loading, Select, TextField } from '../ui/primitives.tsx';
import { LedgerCharts } from './ledger-chart.tsx';
import { newestFirst, Timeline } from './timeline.tsx';

const KINDS = ['sync', 'drift', 'heal', 'command-requested', 'command-finished', 'denied', 'agent-connected', 'agent-disconnected', 'agent-joined', 'agent-revoked', 'join-token-created', 'removed'] as const;
const FILTERS = ['environment', 'application', 'actor', 'kind'] as const;
const PAGE = 500;

export default function LedgerPage(): ReactNode {
  const [params, setParams] = useSearchParams();
  const filters = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? undefined])) as Record<(typeof FILTERS)[number], string | undefined>;
  const set = (key: string, value: string): void => {
    const next = new URLSearchParams(params);
    if (value === '') next.delete(key);
    else next.set(key, value);
    setParams(next, { replace: true });
  };
  const environments = useQuery({ queryKey: ['environments'], queryFn: ({ signal }) => getJson<{ items: Environment[] }>('/api/v1/environments', signal) });
  const ledger = useInfiniteQuery({
    queryKey: ['ledger', filters],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => getJson<LedgerPage>(`/api/v1/events${query({ ...filters, order: 'desc', limit: String(PAGE), cursor: pageParam })}`, signal),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const live = useSyncExternalStore(subscribeLive, liveSnapshot);
  const queryClient = useQueryClient();
  useEffect(() => {
    if (live.ledger === 0 && live.state !== 'live') return;
    void queryClient.invalidateQueries({ queryKey: ['ledger'] });
  }, [live.ledger, live.state, queryClient]);
  const entries = newestFirst((ledger.data?.pages ?? []).flatMap((p) => p.items));
  return (
    <>
      <h1>Ledger</h1>
      <div className="filters" role="search" aria-label="Filter the ledger">
        <Select label="Environment" value={filters.environment ?? ''} options={(environments.data?.items ?? []).map((e) => e.name)} onChange={(v) => set('environment', v)} />
        <TextField label="Application" value={filters.application ?? ''} onChange={(v) => set('application', v)} />
        <TextField label="User" type="text" value={filters.actor ?? ''} onChange={(v) => set('actor', v)} placeholder="token:admin" />
        <Select label="Kind" value={filters.kind ?? ''} options={KINDS} onChange={(v) => set('kind', v)} />
      </div>
      {ledger.error !== null ? <ErrorState error={ledger.error} retry={() => void ledger.refetch()} /> : ledger.data === undefined ? <Loading what="the ledger" /> : (
        <>
          <Card title="Syncs, drifts and heals over time">
            <LedgerCharts entries={entries} />
          </Card>
          <Card title={`Events (${entries.length}${ledger.hasNextPage ? '+' : ''}), newest first`}>
            <Timeline entries={entries} showApplication />
            {ledger.hasNextPage ? <Button onClick={() => void ledger.fetchNextPage()} disabled={ledger.isFetchingNextPage}>{ledger.isFetchingNextPage ? 'Loading…' : 'Older entries'}</Button> : null}
          </Card>
        </>
      )}
    </>
  );
}
