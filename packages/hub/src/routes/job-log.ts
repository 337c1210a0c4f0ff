/**
 * `GET /api/v1/runs/{id}/jobs/{job}/log`: a job's log as the store keeps it, so any replica
 * serves it, during the job and after a restart. With `?follow=true`, Server-Sent Events: each
 * `log` event carries the text of one or more chunks and, as its id, the number of the last one;
 * a reader that comes back with `Last-Event-ID` (or `?after=N`) gets what follows, never a line
 * twice. New chunks are told by the store's `run_logs` signal (LISTEN/NOTIFY between replicas);
 * the stream ends with an `end` event once the job ended and its log is read to the end.
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { HubDeps } from '../deps.ts';
import { HubErrors } from '../errors.ts';
import { logText } from '../job-log.ts';
import { mayReadRun } from '../run-view.ts';
import { SseWake } from './sse-wake.ts';

export async function jobLog(c: Context, deps: HubDeps): Promise<Response> {
  const { store, auth, metrics } = deps;
  const caller = await auth.requireCaller(c);
  const runId = c.req.param('id') ?? '';
  const key = c.req.param('job') ?? '';
  if (!(await mayReadRun(deps, caller, runId))) throw HubErrors.create('HUB_NOT_FOUND', `no run ${runId}`);
  const notFound = (): Error => HubErrors.create('HUB_NOT_FOUND', `the hub holds no log of job ${key} of run ${runId}`);
  if (c.req.query('follow') !== 'true') {
    const read = await store.runLogs.read(runId, key);
    if (read !== undefined) return c.text(logText(read));
    // A job that is waiting has no log yet.
    if (await store.runs.job(runId, key) === undefined) throw notFound();
    return c.text('');
  }
  let after = resumePoint(c.req.header('last-event-id') ?? c.req.query('after'));
  // Poked at first: the stream reads what the store holds before it waits.
  const wake = new SseWake(true);
  // Listening before the first read: a chunk written while it is read is read after it.
  const unsubscribe = store.signals.subscribe('run_logs', (changed) => {
    if (changed === `${runId}/${key}` || changed === '*') wake.poke();
  });
  try {
    if (await store.runs.job(runId, key) === undefined && await store.runLogs.read(runId, key, Number.MAX_SAFE_INTEGER) === undefined) throw notFound();
  } catch (error) {
    unsubscribe();
    throw error;
  }
  return streamSSE(c, async (stream) => {
    metrics.streamSubscribers.inc();
    stream.onAbort(wake.interrupt);
    try {
      while (!stream.aborted && !stream.closed) {
        const changed = await wake.next();
        if (stream.aborted || stream.closed) break;
        // A signal may be lost (a replica's listener reconnecting): read again now and then anyway.
        if (!changed) await stream.write(': keepalive\n\n');
        // The job's state before its log: a job shown ended has its whole log in the store.
        const ended = (await store.runs.job(runId, key))?.status === 'completed';
        const read = await store.runLogs.read(runId, key, after);
        if (read !== undefined && read.chunks.length > 0) {
          // Chunks the cap dropped before this reader got them (a job run again starts empty: no note).
          const note = read.dropped > 0 && read.firstSeq > after + 1 ? logText({ chunks: [], dropped: read.dropped }) : '';
          const last = read.chunks.at(-1)?.seq ?? after;
          await stream.writeSSE({ event: 'log', id: String(last), data: JSON.stringify(note + read.chunks.map((chunk) => chunk.text).join('')) });
          after = last;
        }
        if (ended) {
          await stream.writeSSE({ event: 'end', data: '{}' });
          break;
        }
      }
    } finally {
      unsubscribe();
      metrics.streamSubscribers.dec();
    }
  });
}

function resumePoint(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw HubErrors.create('HUB_REQUEST_INVALID', `Last-Event-ID (or after) must be a chunk number, got "${value.slice(0, 40)}"`);
  return n;
}
