/** Ledger entries as a timeline: what happened, who or what caused it, when. */
import type { ReactNode } from 'react';
import type { LedgerEntry } from '../api/types.ts';
import { Badge, Empty, Time } from '../ui/primitives.tsx';

export function describe(entry: LedgerEntry): string {
  const d = entry.details;
  const text = (key: string): string | undefined => (typeof d[key] === 'string' ? d[key] : undefined);
  switch (entry.kind) {
    case 'drift': return `drift on ${text('kind') ?? (typeof d.key === 'object' && d.key !== null ? `${String((d.key as { kind?: string }).kind)}/${String((d.key as { name?: string }).name)}` : 'a resource')}${text('changedBy') === undefined ? '' : ` by ${text('changedBy')}`}`;
    case 'heal': return 'healed back to Git';
    case 'sync': return `${text('result') ?? 'sync'} at ${(text('revision') ?? '').slice(0, 12)}${text('message') === undefined ? '' : `: ${text('message')}`}`;
    default: return [entry.actor === undefined ? undefined : `by ${entry.actor}`, text('verb'), text('message')].filter((p) => p !== undefined).join(' · ');
  }
}

export function Timeline({ entries, showApplication = false }: { entries: LedgerEntry[]; showApplication?: boolean }): ReactNode {
  if (entries.length === 0) return <Empty title="Nothing has happened yet" />;
  return (
    <ol className="timeline" aria-label="Timeline">
      {entries.map((e) => (
        <li key={e.id}>
          <Time iso={e.at} />
          <span><Badge value={e.kind} /></span>
          <span>{showApplication ? <strong>{e.environment}{e.application === undefined ? '' : `/${e.application}`} </strong> : null}{describe(e)}</span>
        </li>
      ))}
    </ol>
  );
}
