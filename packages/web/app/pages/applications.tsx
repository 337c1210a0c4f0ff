/**
 * Every application in every environment: one virtualised list paged, filtered and sorted by the
 * hub; the filters live in the URL; rows patched live from the stream by key.
 */
import { keepPreviousData, useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState, useSyncExternalStore, type KeyboardEvent, type ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router';
import { getJson, query } from '../api/client.ts';
import { useQueryParamOffered } from '../api/offers.ts';
import { useWhoami } from '../api/session.ts';
import { liveSnapshot, subscribeLive, takeAdded } from '../api/live.ts';
import { appKey, HEALTH_STATES, SYNC_STATES, type ApplicationCounts, type ApplicationPage, type ApplicationSummary, type Environment } from '../api/types.ts';
import { Badge, Empty, ErrorState, Loading, Select, TextField, Time } from '../ui/primitives.tsx';

const PAGE = 100;
const ROW = 40;
const FILTERS = ['environment', 'project', 'sync', 'health', 'label', 'q', 'sort', 'order'] as const;
const COLUMNS = [['name', 'Name'], ['environment', 'Environment'], ['sync', 'Sync'], ['health', 'Health'], ['revision', 'Revision'], ['lastSyncedAt', 'Last synced']] as const;

export default function ApplicationsPage(): ReactNode {
  const [params, setParams] = useSearchParams();
  // Project: a filter only on a hub whose list reads it.
  const offersProject = useQueryParamOffered('/api/v1/applications', 'project');
  const whoami = useWhoami();
  const filters = Object.fromEntries(FILTERS.map((f) => [f, f === 'project' && !offersProject ? undefined : params.get(f) ?? undefined])) as Record<(typeof FILTERS)[number], string | undefined>;
  // From the URL as it is now, not as last drawn: a change made before the page drew the one
  // before it (the search box's delayed commit, a slow renderer) must not put the old filters back.
  const set = (key: (typeof FILTERS)[number], value: string | undefined): void => {
    setParams((current) => {
      const next = new URLSearchParams(current);
      if (value === undefined || value === '') next.delete(key);
      else next.set(key, value);
      return next;
    }, { replace: key === 'q' });
  };
  const countsProject = useQueryParamOffered('/api/v1/applications/counts', 'project') ? filters.project : undefined;
  const queryClient = useQueryClient();
  const environments = useQuery({ queryKey: ['environments'], queryFn: ({ signal }) => getJson<{ items: Environment[] }>('/api/v1/environments', signal) });
  const counts = useQuery({
    queryKey: ['counts', filters.environment, countsProject, filters.label, filters.q],
    queryFn: ({ signal }) => getJson<ApplicationCounts>(`/api/v1/applications/counts${query({ environment: filters.environment, project: countsProject, label: filters.label, q: filters.q })}`, signal),
    placeholderData: keepPreviousData,
  });
  const list = useInfiniteQuery({
    queryKey: ['applications', filters],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => getJson<ApplicationPage>(`/api/v1/applications${query({ ...filters, limit: String(PAGE), cursor: pageParam })}`, signal),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
  const live = useSyncExternalStore(subscribeLive, liveSnapshot);
  // A changed row is patched in place. An application the loaded pages do not hold: refetch them
  // (the old rows stay until the new ones arrive). Counts: at most every 2 s.
  const countsAt = useRef(0);
  useEffect(() => {
    if (live.version === 0) return;
    const loaded = new Set((list.data?.pages ?? []).flatMap((page) => page.items.map(appKey)));
    if (takeAdded().some((key) => !loaded.has(key))) void queryClient.invalidateQueries({ queryKey: ['applications'] });
    const wait = countsAt.current + 2_000 - Date.now();
    const refresh = (): void => {
      countsAt.current = Date.now();
      void queryClient.invalidateQueries({ queryKey: ['counts'] });
    };
    if (wait <= 0) refresh();
    else {
      const timer = setTimeout(refresh, wait);
      return () => clearTimeout(timer);
    }
  }, [live.version, list.data, queryClient]);
  const rows = useMemo(() => {
    const out: ApplicationSummary[] = [];
    for (const page of list.data?.pages ?? []) for (const row of page.items) {
      const patched = live.patches.get(appKey(row));
      if (patched !== null) out.push(patched ?? row);
    }
    return out;
  }, [list.data, live]);

  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 10 });
  const items = virtual.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? 0;
  useEffect(() => {
    if (lastIndex >= rows.length - 20 && list.hasNextPage && !list.isFetchingNextPage) void list.fetchNextPage();
  }, [lastIndex, rows.length, list]);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const current = Number((document.activeElement as HTMLElement | null)?.dataset.index ?? -1);
    const next = Math.max(0, Math.min(rows.length - 1, current + (event.key === 'ArrowDown' ? 1 : -1)));
    event.preventDefault();
    virtual.scrollToIndex(next);
    requestAnimationFrame(() => scroller.current?.querySelector<HTMLElement>(`[data-index="${next}"]`)?.focus());
  };

  const sortBy = (column: string): void => {
    setParams((current) => {
      const next = new URLSearchParams(current);
      next.set('order', current.get('sort') === column && current.get('order') !== 'desc' ? 'desc' : 'asc');
      next.set('sort', column);
      return next;
    });
  };
  const total = list.data?.pages[0]?.total;
  const ready = list.data !== undefined && live.state !== 'connecting';

  return (
    <>
      <h1>Applications</h1>
      <div className="counts" aria-label="Counts by state">
        <span className="muted">{counts.data === undefined ? '…' : `${counts.data.total} applications`}</span>
        {SYNC_STATES.map((s) => <CountButton key={s} value={s} count={counts.data?.sync[s]} pressed={filters.sync === s} onClick={() => set('sync', filters.sync === s ? undefined : s)} />)}
        {HEALTH_STATES.map((h) => (counts.data?.health[h] ?? 0) === 0 && filters.health !== h ? null : <CountButton key={h} value={h} count={counts.data?.health[h]} pressed={filters.health === h} onClick={() => set('health', filters.health === h ? undefined : h)} />)}
      </div>
      <div className="filters" role="search" aria-label="Filter applications">
        <DebouncedField label="Search" value={filters.q ?? ''} onCommit={(v) => set('q', v)} placeholder="name contains…" />
        <Select label="Environment" value={filters.environment ?? ''} options={(environments.data?.items ?? []).map((e) => e.name)} onChange={(v) => set('environment', v)} />
        {!offersProject ? null : whoami.projects.length > 0
          ? <Select label="Project" value={filters.project ?? ''} options={whoami.projects.map((p) => p.name)} onChange={(v) => set('project', v)} />
          : <DebouncedField label="Project" value={filters.project ?? ''} onCommit={(v) => set('project', v)} placeholder="default" />}
        <Select label="Sync" value={filters.sync ?? ''} options={SYNC_STATES} onChange={(v) => set('sync', v)} />
        <Select label="Health" value={filters.health ?? ''} options={HEALTH_STATES} onChange={(v) => set('health', v)} />
        <DebouncedField label="Label" value={filters.label ?? ''} onCommit={(v) => set('label', v)} accept={(v) => v === '' || /^[^=]+=/.test(v)} placeholder="region=eu" />
      </div>
      {list.error !== null ? <ErrorState error={list.error} retry={() => void list.refetch()} /> : !ready ? <Loading what="applications" /> : rows.length === 0 ? (
        <Empty title="No applications match">{params.size > 0 ? 'Clear a filter to see more.' : 'Join an agent to this hub to see its applications.'}</Empty>
      ) : (
        <div className="list" role="table" aria-label="Applications" aria-rowcount={total ?? rows.length}>
          <div ref={scroller} className="list-scroll" onKeyDown={onKeyDown}>
            <div className="list-header" role="row">
              {COLUMNS.map(([key, label]) => (
                <span key={key} role="columnheader" aria-sort={filters.sort === key ? (filters.order === 'desc' ? 'descending' : 'ascending') : 'none'}>
                  <button type="button" className="sort" onClick={() => sortBy(key)}>{label}{filters.sort === key ? <span aria-hidden="true">{filters.order === 'desc' ? ' ↓' : ' ↑'}</span> : null}</button>
                </span>
              ))}
            </div>
            <div style={{ height: virtual.getTotalSize(), position: 'relative' }} role="rowgroup">
              {items.map((item) => {
                const row = rows[item.index] as ApplicationSummary;
                return (
                  <Link key={appKey(row)} role="row" aria-label={`${row.name} in ${row.environment}: ${row.sync}, ${row.health}`} aria-rowindex={item.index + 2} data-index={item.index} className="list-row" to={`/environments/${encodeURIComponent(row.environment)}/applications/${encodeURIComponent(row.name)}`} style={{ top: item.start, height: ROW }}>
                    <span role="cell">{row.name}</span>
                    <span role="cell">{row.environment}</span>
                    <span role="cell"><Badge value={row.sync} label="sync" /></span>
                    <span role="cell"><Badge value={row.health} label="health" /></span>
                    <span role="cell"><code>{row.revision.slice(0, 12) || '—'}</code></span>
                    <span role="cell"><Time iso={row.lastSyncedAt} /></span>
                  </Link>
                );
              })}
            </div>
          </div>
        </div>
      )}
    </>
  );
}

/** A text filter typed freely, sent to the URL (and the hub) 250 ms after the last key, when it is acceptable. */
function DebouncedField({ label, value, onCommit, accept = () => true, placeholder }: { label: string; value: string; onCommit: (value: string) => void; accept?: (value: string) => boolean; placeholder: string }): ReactNode {
  const [text, setText] = useState(value);
  const [seen, setSeen] = useState(value);
  if (value !== seen) {
    // The URL changed (back, a link): show what it says.
    setSeen(value);
    setText(value);
  }
  const latest = useRef({ accept, onCommit });
  useEffect(() => {
    latest.current = { accept, onCommit };
  });
  useEffect(() => {
    if (text === value || !latest.current.accept(text)) return;
    const timer = setTimeout(() => latest.current.onCommit(text), 250);
    return () => clearTimeout(timer);
  }, [text, value]);
  return <TextField label={label} value={text} onChange={setText} type={label === 'Search' ? 'search' : 'text'} placeholder={placeholder} />;
}

function CountButton({ value, count, pressed, onClick }: { value: string; count: number | undefined; pressed: boolean; onClick: () => void }): ReactNode {
  return (
    <button type="button" className="count" aria-pressed={pressed} onClick={onClick} aria-label={`${value}: ${count ?? '…'}`}>
      <Badge value={value} /> <span>{count ?? '…'}</span>
    </button>
  );
}
