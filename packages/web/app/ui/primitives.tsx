/** The design system: every primitive the pages use, in one place. */
import { useSyncExternalStore, type ButtonHTMLAttributes, type ReactNode } from 'react';

const TONE: Record<string, string> = {
  Synced: 'good', Healthy: 'good', succeeded: 'good', connected: 'good', heal: 'good',
  OutOfSync: 'warn', Progressing: 'info', Suspended: 'muted', queued: 'warn', delivered: 'info', drift: 'warn', sync: 'info',
  Degraded: 'bad', Missing: 'bad', failed: 'bad', revoked: 'bad', silent: 'bad', denied: 'bad', offline: 'warn',
  passed: 'good', waiting: 'warn', healthy: 'good', promoting: 'info', verifying: 'info',
  'command-requested': 'info', 'command-finished': 'good', 'agent-connected': 'good', 'agent-disconnected': 'warn', 'agent-revoked': 'bad',
};

export function Badge({ value, label }: { value: string; label?: string }): ReactNode {
  return <span className={`badge tone-${TONE[value] ?? 'muted'}`} title={label === undefined ? value : `${label}: ${value}`}>{value}</span>;
}

export function Button({ variant = 'default', ...props }: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: 'default' | 'primary' }): ReactNode {
  return <button type="button" {...props} className={`button button-${variant} ${props.className ?? ''}`} />;
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [['year', 31_536_000], ['month', 2_592_000], ['day', 86_400], ['hour', 3_600], ['minute', 60], ['second', 1]];
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function relativeTime(iso: string, now = Date.now()): string {
  const seconds = (new Date(iso).getTime() - now) / 1000;
  for (const [unit, size] of UNITS) if (Math.abs(seconds) >= size || unit === 'second') return relative.format(Math.round(seconds / size), unit);
  return iso;
}

/** One clock for every relative time on the page, ticking every 15 s. */
let clock = Date.now();
const ticking = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;
function subscribeClock(listener: () => void): () => void {
  ticking.add(listener);
  timer ??= setInterval(() => {
    clock = Date.now();
    for (const tick of ticking) tick();
  }, 15_000);
  return () => {
    ticking.delete(listener);
    if (ticking.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

/** A time shown relative (kept current), with the exact time on hover. */
export function Time({ iso }: { iso: string | undefined }): ReactNode {
  const now = useSyncExternalStore(subscribeClock, () => clock);
  if (iso === undefined) return <span className="muted">never</span>;
  const exact = new Date(iso).toLocaleString();
  return <time dateTime={iso} title={exact}>{relativeTime(iso, Math.max(now, Date.now()))}</time>;
}

export function Loading({ what }: { what: string }): ReactNode {
  return <div className="state" role="status" aria-live="polite"><span className="spinner" aria-hidden="true" /> Loading {what}…</div>;
}

export function Empty({ title, children }: { title: string; children?: ReactNode }): ReactNode {
  return <div className="state" role="status"><strong>{title}</strong>{children === undefined ? null : <p>{children}</p>}</div>;
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }): ReactNode {
  const message = error instanceof Error ? error.message : String(error);
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
  return (
    <div className="state state-error" role="alert">
      <strong>Could not load this{code === undefined ? '' : ` (${code})`}</strong>
      <p>{message}</p>
      {retry === undefined ? null : <Button onClick={retry}>Try again</Button>}
    </div>
  );
}

export function Select({ label, value, options, onChange }: { label: string; value: string; options: readonly string[]; onChange: (value: string) => void }): ReactNode {
  return (
    <label className="field">
      <span>{label}</span>
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">All</option>
        {options.map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
    </label>
  );
}

export function TextField({ label, value, onChange, placeholder, type = 'search', autoComplete }: { label: string; value: string; onChange: (value: string) => void; placeholder?: string; type?: string; autoComplete?: string }): ReactNode {
  return (
    <label className="field">
      <span>{label}</span>
      <input type={type} value={value} placeholder={placeholder} autoComplete={autoComplete} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

export function Card({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }): ReactNode {
  return (
    <section className="card" aria-label={title}>
      <header className="card-head"><h2>{title}</h2>{actions}</header>
      {children}
    </section>
  );
}
