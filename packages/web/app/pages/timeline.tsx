/** Ledger entries as a timeline: what happened, who or what caused it, when. */
import type { ReactNode } from 'react';
import type { LedgerEntry } from '../api/types.ts';
import { Badge, Empty, Time } from '../ui/primitives.tsx';

export function describe(entry: LedgerEntry): string {
  const d = entry.details;
  const text = (key: string): string | undefined => (typeof d[key] === 'string' ? d[key] : undefined);
  switch (entry.kind) {
    case 'drift': return `${text('object') ?? 'a resource'} changed outside Git${Array.isArray(d.fields) ? ` (${d.fields.join(', ')})` : ''}${text('changedBy') === undefined ? '' : ` by ${text('changedBy')}`}`;
    case 'heal': return `${text('object') ?? 'a resource'} healed back to Git${typeof d.durationMs === 'number' ? ` in ${d.durationMs} ms` : ''}`;
    case 'sync': return `${text('result') ?? ''} (${text('trigger') ?? 'pass'}) at ${(text('revision') ?? '').slice(0, 12)}${typeof d.changed === 'number' && d.changed > 0 ? `, ${d.changed} changed` : ''}${text('message') === undefined || text('message') === '' ? '' : `: ${text('message')}`}`;
    default: return [text('verb'), typeof d.dryRun === 'boolean' && d.dryRun ? 'dry run' : undefined, entry.actor === undefined ? undefined : `by ${entry.actor}`, text('message')].filter((p) => p !== undefined).join(' · ');
  }
}

/** The ledger answers newest first when it can (`order=desc`); an older hub answers oldest first. */
export function newestFirst<T extends { id: number }>(items: readonly T[]): T[] {
  const first = items[0];
  const last = items.at(-1);
  return first !== undefined && last !== undefined && first.id < last.id ? [...items].reverse() : [...items];
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
