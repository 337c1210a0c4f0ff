/**
 * An application's resources as a tree: kinds as groups, Kubernetes objects opening onto what
 * they own (fetched from the hub when opened, one request per opened node), each row with its
 * sync and health. Only the visible rows are in the page (a virtual list), so 1,500 resources
 * draw as fast as 15. Keyboard: arrows move and open/close, Enter shows the resource, Home/End.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { getJson } from '../api/client.ts';
import { Badge } from '../ui/primitives.tsx';
import { groupByKind, initiallyOpen, visibleRows, type ChildResource, type ChildrenState, type TreeResource, type TreeRow } from './tree-model.ts';

const ROW = 34;

export function ResourceTree({ base, resources, selected, onSelect }: { base: string; resources: TreeResource[]; selected: string | undefined; onSelect: (row: TreeRow) => void }): ReactNode {
  const groups = useMemo(() => groupByKind(resources), [resources]);
  const [open, setOpen] = useState<Set<string>>(() => initiallyOpen(groups));
  const [children, setChildren] = useState<Map<string, ChildrenState>>(() => new Map());
  const [focus, setFocus] = useState(0);
  const rows = useMemo(() => visibleRows({ groups, open, children }), [groups, open, children]);
  const queryClient = useQueryClient();
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 12 });
  useEffect(() => {
    // A mark for profiles and the benchmark: the tree's first rows are in the page.
    performance.mark('trueup:tree-drawn');
  }, []);

  const fetchChildren = (key: string): void => {
    if (children.has(key)) return;
    setChildren((m) => new Map(m).set(key, { state: 'loading' }));
    // The hub answers `{key, items, omitted?}`; a bare list is read as the items.
    queryClient.fetchQuery({ queryKey: ['children', base, key], queryFn: ({ signal }) => getJson<ChildResource[] | { items: ChildResource[] }>(`${base}/resources/${encodeURIComponent(key)}/children`, signal), staleTime: 10_000 })
      .then((body) => setChildren((m) => new Map(m).set(key, { state: 'loaded', items: Array.isArray(body) ? body : body.items })))
      .catch((error: unknown) => {
        const status = typeof error === 'object' && error !== null && 'status' in error ? Number(error.status) : 0;
        const message = status === 404 ? 'This hub does not show what Kubernetes objects own.' : error instanceof Error ? error.message : String(error);
        setChildren((m) => new Map(m).set(key, { state: 'error', message }));
      });
  };
  const toggle = (row: TreeRow, to = !row.expanded): void => {
    if (!row.expandable || to === row.expanded) return;
    setOpen((s) => {
      const next = new Set(s);
      if (to) next.add(row.id);
      else next.delete(row.id);
      return next;
    });
    if (to && !row.id.startsWith('group:')) fetchChildren(row.id);
  };
  const moveTo = (index: number): void => {
    const next = Math.max(0, Math.min(rows.length - 1, index));
    setFocus(next);
    virtual.scrollToIndex(next);
    requestAnimationFrame(() => scroller.current?.querySelector<HTMLElement>(`[data-index="${next}"]`)?.focus());
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const row = rows[focus];
    if (row === undefined) return;
    const parent = (): number => {
      for (let i = focus - 1; i >= 0; i -= 1) if ((rows[i]?.depth ?? 0) < row.depth) return i;
      return focus;
    };
    const handled = ((): boolean => {
      switch (event.key) {
        case 'ArrowDown': moveTo(focus + 1); return true;
        case 'ArrowUp': moveTo(focus - 1); return true;
        case 'Home': moveTo(0); return true;
        case 'End': moveTo(rows.length - 1); return true;
        case 'ArrowRight': if (row.expandable && !row.expanded) toggle(row, true); else if (row.expanded) moveTo(focus + 1); return true;
        case 'ArrowLeft': if (row.expanded) toggle(row, false); else moveTo(parent()); return true;
        case 'Enter': case ' ': if (row.resource !== undefined) onSelect(row); else toggle(row); return true;
        default: return false;
      }
    })();
    if (handled) event.preventDefault();
  };

  if (resources.length === 0) return null;
  return (
    <div ref={scroller} className="tree-scroll" style={{ height: Math.min(rows.length * ROW + 2, 520) }}>
      <div role="tree" aria-label="Resources" onKeyDown={onKeyDown} style={{ height: virtual.getTotalSize(), position: 'relative' }}>
        {virtual.getVirtualItems().map((item) => {
          const row = rows[item.index] as TreeRow;
          return <Row key={row.id} row={row} index={item.index} top={item.start} focused={item.index === Math.min(focus, rows.length - 1)} selected={row.id === selected}
            onFocus={() => setFocus(item.index)} onToggle={() => { setFocus(item.index); toggle(row); }} onSelect={() => { setFocus(item.index); if (row.resource === undefined) toggle(row); else onSelect(row); }} />;
        })}
      </div>
    </div>
  );
}

function Row({ row, index, top, focused, selected, onFocus, onToggle, onSelect }: { row: TreeRow; index: number; top: number; focused: boolean; selected: boolean; onFocus: () => void; onToggle: () => void; onSelect: () => void }): ReactNode {
  const resource = row.resource;
  const sync = resource !== undefined && 'sync' in resource ? resource.sync : undefined;
  const health = resource?.health;
  // The accessible name is the row's text: "Deployment shop/web Synced Healthy".
  return (
    <div role="treeitem" aria-level={row.depth} aria-posinset={row.position} aria-setsize={row.siblings} aria-expanded={row.expandable ? row.expanded : undefined}
      aria-selected={row.resource === undefined ? undefined : selected} data-index={index} tabIndex={focused ? 0 : -1}
      className={`tree-row${selected ? ' tree-row-selected' : ''}${row.note === 'error' ? ' state-error' : ''}`} style={{ top, height: ROW, paddingLeft: 8 + (row.depth - 1) * 20 }} onFocus={onFocus} onClick={onSelect}>
      <span className="tree-toggle" aria-hidden="true" onClick={(e) => { e.stopPropagation(); onToggle(); }}>{row.expandable ? (row.expanded ? '▾' : '▸') : ''}</span>
      {row.note !== undefined ? <span className="muted">{row.label}</span> : resource === undefined ? (
        <><strong>{row.kind}</strong> <span className="muted">({row.count})</span></>
      ) : (
        <>
          <span className="tree-kind muted">{row.kind}</span>{' '}
          <span className="tree-name">{row.label}</span>{' '}
          {sync === undefined ? null : <Badge value={sync} label="sync" />}{' '}
          {health === undefined ? null : <Badge value={health} label="health" />}
        </>
      )}
    </div>
  );
}
