/** The rows every benchmark returns, their targets, and the one markdown table they make. */
import { summarize, type Summary } from './stats.ts';

export type Unit = 'ms' | 'MiB';

export type Target =
  /** The median or p99 is at most `value` (in the row's unit). */
  | { kind: 'atMost'; stat: 'median' | 'p99'; value: number }
  /** The peer's median is at least `value` times this row's median. */
  | { kind: 'peerRatioAtLeast'; value: number };

export interface Row {
  /** Stable key; other rows name their peer by it. */
  id: string;
  measured: string;
  on: string;
  unit: Unit;
  samples: number[];
  spread: 'p10–p90' | 'min–max';
  showP99?: boolean;
  targets?: Target[];
  /** The row measured in the same run that this one is compared with. */
  peer?: string;
  /** Shown in the peer column when there is no peer, or for the peer row itself. */
  peerNote?: string;
  /** A footnote under the table. */
  note?: string;
}

export function formatValue(value: number, unit: Unit): string {
  if (unit === 'MiB') return `${value.toFixed(1)} MiB`;
  if (value >= 100_000) return `${(value / 1000).toFixed(0)} s`;
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
  if (value >= 10) return `${value.toFixed(0)} ms`;
  if (value >= 1) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

function targetText(target: Target, unit: Unit): string {
  switch (target.kind) {
    case 'atMost':
      return `${target.stat === 'median' ? 'p50' : 'p99'} ≤ ${formatValue(target.value, unit)}`;
    case 'peerRatioAtLeast':
      return `peer ÷ this ≥ ${target.value}×`;
  }
}

/** Whether the target is met, or undefined when it cannot be judged (no peer row). */
export function targetMet(target: Target, summary: Summary, peer: Summary | undefined): boolean | undefined {
  switch (target.kind) {
    case 'atMost':
      return summary[target.stat] <= target.value;
    case 'peerRatioAtLeast':
      return peer === undefined ? undefined : peer.median / summary.median >= target.value;
  }
}

export interface Verdict {
  row: Row;
  missed: string[];
}

/** Renders the table (one line per row) and footnotes; returns the verdicts too. */
export function renderTable(rows: readonly Row[]): { markdown: string; verdicts: Verdict[] } {
  const summaries = new Map(rows.map((row) => [row.id, summarize(row.samples)]));
  const lines = [
    '| Measured | On | Runs | Median | Spread | p99 | Target | Result | vs peer: peer ÷ this (peer median), same run |',
    '| --- | --- | ---: | ---: | --- | ---: | --- | --- | --- |',
  ];
  const notes: string[] = [];
  const verdicts: Verdict[] = [];
  for (const row of rows) {
    const s = summaries.get(row.id);
    if (s === undefined) continue;
    const peer = row.peer === undefined ? undefined : summaries.get(row.peer);
    const low = row.spread === 'p10–p90' ? s.p10 : s.min;
    const high = row.spread === 'p10–p90' ? s.p90 : s.max;
    const targets = row.targets ?? [];
    const missed = targets.filter((t) => targetMet(t, s, peer) === false).map((t) => targetText(t, row.unit));
    const unjudged = targets.some((t) => targetMet(t, s, peer) === undefined);
    const result = targets.length === 0 ? '' : missed.length > 0 ? `**MISSED** (${missed.join('; ')})` : unjudged ? 'not judged' : 'met';
    verdicts.push({ row, missed });
    const ratio = peer === undefined ? (row.peerNote ?? '—') : `${ratioText(peer.median / s.median)} (${formatValue(peer.median, row.unit)})`;
    const footnote = row.note === undefined ? '' : ` [${notes.push(row.note)}]`;
    lines.push(`| ${row.measured}${footnote} | ${row.on} | ${s.n} | ${formatValue(s.median, row.unit)} | ${formatValue(low, row.unit)} – ${formatValue(high, row.unit)} (${row.spread}) | ${row.showP99 === true ? formatValue(s.p99, row.unit) : ''} | ${targets.map((t) => targetText(t, row.unit)).join('; ')} | ${result} | ${ratio} |`);
  }
  const markdown = [...lines, '', ...notes.map((note, i) => `${i + 1}. ${note}`)].join('\n');
  return { markdown: `${markdown}\n`, verdicts };
}

function ratioText(ratio: number): string {
  return ratio >= 10 ? `${ratio.toFixed(0)}×` : ratio >= 1 ? `${ratio.toFixed(1)}×` : `${ratio.toFixed(2)}×`;
}
