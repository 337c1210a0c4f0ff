/** Syncs, drifts and heals over time, one small chart per environment (recharts). */
import type { ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { LedgerEntry } from '../api/types.ts';

const CHARTED = ['sync', 'drift', 'heal'] as const;
type Charted = (typeof CHARTED)[number];
type Bucket = { at: string; sync: number; drift: number; heal: number };
const MAX_CHARTS = 6;

/** Entries per hour (or per minute when they span under two hours), by kind, oldest bucket first. */
export function buckets(entries: readonly LedgerEntry[]): Bucket[] {
  const charted = entries.filter((e) => (CHARTED as readonly string[]).includes(e.kind));
  if (charted.length === 0) return [];
  const times = charted.map((e) => new Date(e.at).getTime());
  const size = Math.max(...times) - Math.min(...times) < 2 * 3_600_000 ? 60_000 : 3_600_000;
  const out = new Map<number, Bucket>();
  charted.forEach((e, i) => {
    const slot = Math.floor((times[i] ?? 0) / size) * size;
    const bucket = out.get(slot) ?? { at: new Date(slot).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }), sync: 0, drift: 0, heal: 0 };
    bucket[e.kind as Charted] += 1;
    out.set(slot, bucket);
  });
  return [...out.entries()].sort(([a], [b]) => a - b).map(([, b]) => b);
}

/** Charted entries by environment, the busiest first. */
export function byEnvironment(entries: readonly LedgerEntry[]): [string, LedgerEntry[]][] {
  const map = new Map<string, LedgerEntry[]>();
  for (const e of entries) {
    if (!(CHARTED as readonly string[]).includes(e.kind)) continue;
    map.set(e.environment, [...(map.get(e.environment) ?? []), e]);
  }
  return [...map].sort(([a, x], [b, y]) => y.length - x.length || a.localeCompare(b));
}

export function LedgerCharts({ entries }: { entries: readonly LedgerEntry[] }): ReactNode {
  const groups = byEnvironment(entries);
  if (groups.length === 0) return <p className="muted">No syncs, drifts or heals in these entries.</p>;
  return (
    <div className="charts">
      {groups.slice(0, MAX_CHARTS).map(([environment, list]) => <EnvironmentChart key={environment} environment={environment} entries={list} />)}
      {groups.length > MAX_CHARTS ? <p className="muted">{groups.length - MAX_CHARTS} more environments: filter by one to see its chart.</p> : null}
    </div>
  );
}

function EnvironmentChart({ environment, entries }: { environment: string; entries: LedgerEntry[] }): ReactNode {
  const count = (kind: Charted): number => entries.filter((e) => e.kind === kind).length;
  return (
    <figure className="chart">
      <figcaption>{environment}</figcaption>
      <div role="img" aria-label={`Chart of ${environment}: ${count('sync')} syncs, ${count('drift')} drifts, ${count('heal')} heals`} style={{ height: 180 }}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={buckets(entries)}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--line)" />
            <XAxis dataKey="at" stroke="var(--muted)" fontSize={12} />
            <YAxis allowDecimals={false} stroke="var(--muted)" fontSize={12} width={32} />
            <Tooltip contentStyle={{ background: 'var(--panel)', border: '1px solid var(--line)', color: 'var(--text)' }} />
            <Legend />
            <Bar dataKey="sync" stackId="a" isAnimationActive={false} fill="#3b7be0" />
            <Bar dataKey="drift" stackId="a" isAnimationActive={false} fill="#d99100" />
            <Bar dataKey="heal" stackId="a" isAnimationActive={false} fill="#2e9d5c" />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
