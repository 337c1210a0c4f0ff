/**
 * One pipeline run: its jobs in stages (each stage the jobs that became ready together, or their
 * `needs` when the hub gives them), each job's steps, its log followed live, approvals for a
 * deploy waiting on them, cancel and re-run. The run's changes come pushed on its stream.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useParams } from 'react-router';
import { getJson, postJson, request } from '../api/client.ts';
import { runQueryKey, useRunStream } from '../api/run-stream.ts';
import { Badge, Button, Card, ErrorState, Loading, Time } from '../ui/primitives.tsx';
import { runState, type RunSummary } from './runs.tsx';

export interface RunJob {
  key: string;
  name: string;
  environment: string | null;
  status: string;
  conclusion: string | null;
  runner: string | null;
  attempt: number;
  note: string | null;
  needs?: string[];
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  steps: { id: string; name: string; conclusion: string | null; startedAt: string | null; finishedAt: string | null }[];
}

type Run = RunSummary & { jobs: RunJob[] };

/** Jobs in columns: by `needs` depth when known, else by when each was queued relative to the others' ends. */
export function stages(jobs: readonly RunJob[]): RunJob[][] {
  if (jobs.some((j) => j.needs !== undefined)) {
    const byKey = new Map(jobs.map((j) => [j.key, j]));
    const depth = new Map<string, number>();
    const depthOf = (job: RunJob, seen: Set<string>): number => {
      const known = depth.get(job.key);
      if (known !== undefined) return known;
      if (seen.has(job.key)) return 0;
      seen.add(job.key);
      const d = Math.max(-1, ...(job.needs ?? []).map((n) => { const need = byKey.get(n); return need === undefined ? -1 : depthOf(need, seen); })) + 1;
      depth.set(job.key, d);
      return d;
    };
    const columns: RunJob[][] = [];
    for (const job of jobs) (columns[depthOf(job, new Set())] ??= []).push(job);
    return columns.filter((c) => c.length > 0);
  }
  // No needs given: a job queued once a job of the current stage had finished waited for it, so it starts the next stage.
  const columns: RunJob[][] = [];
  for (const job of [...jobs].sort((a, b) => (a.queuedAt ?? '').localeCompare(b.queuedAt ?? ''))) {
    const current = columns.at(-1);
    const waited = current?.some((j) => j.finishedAt !== null && job.queuedAt !== null && j.finishedAt <= job.queuedAt) ?? true;
    if (waited || current === undefined) columns.push([job]);
    else current.push(job);
  }
  return columns;
}

const APPROVAL = /waiting for approval to deploy to (\S+?):/;
const STREAM_TEXT = { connecting: 'Connecting…', live: 'Live', retrying: 'Reconnecting…', absent: 'Refreshed every 2 s' } as const;

export default function RunPage(): ReactNode {
  const { id = '' } = useParams();
  const path = `/api/v1/runs/${encodeURIComponent(id)}`;
  const stream = useRunStream(id);
  const run = useQuery({
    queryKey: runQueryKey(id),
    queryFn: ({ signal }) => getJson<Run>(path, signal),
    // Pushed by the stream; read every 2 s only from a hub that has no stream of runs.
    staleTime: stream === 'absent' ? 0 : Infinity,
    refetchInterval: (q) => (stream !== 'absent' || q.state.data?.status === 'completed' ? false : 2_000),
  });
  const [open, setOpen] = useState<string | undefined>();
  const queryClient = useQueryClient();
  const act = useMutation({
    mutationFn: ({ what, body }: { what: string; body?: unknown }) => postJson<unknown>(`${path}/${what}`, body ?? {}).catch(async (error: unknown) => {
      // 204 (approve) has no JSON body: that is success.
      if (error instanceof SyntaxError) return undefined;
      throw error;
    }),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: runQueryKey(id) }),
  });
  if (run.error !== null) return <ErrorState error={run.error} retry={() => void run.refetch()} />;
  if (run.data === undefined) return <Loading what={`run ${id}`} />;
  const r = run.data;
  const shown = open ?? r.jobs.find((j) => j.status === 'running')?.key ?? r.jobs[0]?.key;
  return (
    <>
      <h1>{r.workflow} <span className="muted">run {r.id.slice(0, 8)}</span></h1>
      <Card title="Run" actions={r.status === 'completed' ? undefined : <Button onClick={() => act.mutate({ what: 'cancel' })} disabled={act.isPending}>Cancel run</Button>}>
        <div className="kv">
          <Badge value={runState(r)} label="run" />
          <span>{r.repository} @ {r.ref} <code title={r.sha}>{r.sha.slice(0, 12)}</code></span>
          <span>by {r.actor} ({r.event})</span>
          <span>started <Time iso={r.createdAt ?? undefined} /></span>
          {r.finishedAt === null ? null : <span>finished <Time iso={r.finishedAt} /></span>}
          <span className="muted" role="status" aria-label="Run updates">{STREAM_TEXT[stream]}</span>
        </div>
        {act.error === null ? null : <p role="alert" className="state-error">{act.error.message}</p>}
      </Card>
      <Card title="Jobs">
        <div className="stages" role="list" aria-label="Jobs graph">
          {stages(r.jobs).map((column, index) => (
            <div className="stage" role="listitem" key={index} aria-label={`Stage ${index + 1}`}>
              {column.map((job) => {
                const approval = job.status === 'waiting' ? APPROVAL.exec(job.note ?? '')?.[1] : undefined;
                return (
                  <div key={job.key} className={`job${job.key === shown ? ' job-open' : ''}`}>
                    <button type="button" className="resource-button" aria-pressed={job.key === shown} onClick={() => setOpen(job.key)}>{job.name}</button>
                    <Badge value={runState(job)} label="job" />
                    {job.environment === null ? null : <span className="muted"> → {job.environment}</span>}
                    {job.note === null ? null : <p className="muted job-note">{job.note}</p>}
                    {approval === undefined ? null : <Button variant="primary" onClick={() => act.mutate({ what: 'approve', body: { environment: approval } })} disabled={act.isPending}>Approve deploy to {approval}</Button>}
                    {r.status === 'completed' ? <Button onClick={() => act.mutate({ what: `jobs/${encodeURIComponent(job.key)}/rerun` })} disabled={act.isPending}>Re-run</Button> : null}
                  </div>
                );
              })}
            </div>
          ))}
        </div>
      </Card>
      {shown === undefined ? null : <JobCard key={shown} runId={r.id} job={r.jobs.find((j) => j.key === shown)} />}
    </>
  );
}

function JobCard({ runId, job }: { runId: string; job: RunJob | undefined }): ReactNode {
  if (job === undefined) return null;
  return (
    <Card title={`Job ${job.name}`}>
      <ol className="steps" aria-label="Steps">
        {job.steps.map((s) => (
          <li key={s.id}><Badge value={s.conclusion ?? (s.startedAt === null ? 'pending' : 'running')} label="step" /> {s.name} {s.finishedAt === null || s.startedAt === null ? null : <span className="muted">{Math.round((Date.parse(s.finishedAt) - Date.parse(s.startedAt)) / 100) / 10} s</span>}</li>
        ))}
      </ol>
      <JobLog runId={runId} jobKey={job.key} running={job.status !== 'completed'} />
    </Card>
  );
}

/** The job's log: what the hub holds, then followed as it is written until the job ends. */
function JobLog({ runId, jobKey, running }: { runId: string; jobKey: string; running: boolean }): ReactNode {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [ended, setEnded] = useState(false);
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const abort = new AbortController();
    setText('');
    setEnded(false);
    const path = `/api/v1/runs/${encodeURIComponent(runId)}/jobs/${encodeURIComponent(jobKey)}/log`;
    void (async () => {
      try {
        const response = await request(`${path}?follow=true`, { signal: abort.signal });
        const events = (response.body ?? new ReadableStream<Uint8Array<ArrayBuffer>>()).pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array<ArrayBuffer>>).pipeThrough(new EventSourceParserStream());
        for await (const event of events) {
          if (event.event === 'log') setText((t) => t + (JSON.parse(event.data) as string));
          else if (event.event === 'end') setEnded(true);
        }
        setEnded(true);
      } catch (caught) {
        if (!abort.signal.aborted) setError(caught instanceof Error ? caught.message : String(caught));
      }
    })();
    return () => abort.abort();
  }, [runId, jobKey]);
  useEffect(() => {
    const el = pre.current;
    if (el !== null && el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight;
  }, [text]);
  return (
    <section aria-label="Log">
      <h3>Log {running && !ended ? <span className="muted">(following)</span> : null}</h3>
      {error === undefined ? null : <p role="alert" className="state-error">{error}</p>}
      <pre ref={pre} className="log" tabIndex={0} aria-label={`Log of ${jobKey}`}>{text === '' ? (ended ? 'No output.' : 'Waiting for output…') : text}</pre>
    </section>
  );
}
