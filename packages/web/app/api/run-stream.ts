/**
 * Runs followed live, so run pages never poll. `GET /api/v1/runs/{id}/stream`: each `run` event
 * is the whole run (as `GET /api/v1/runs/{id}` shows it) and replaces the run page's data.
 * `GET /api/v1/runs?watch=true`: a `runs` event is the list, a `run` event one run's summary,
 * put in place in the list page's data. Both reconnect with backoff. A hub without them answers
 * 404, or the plain list: the pages then read every 2 s while a run is in progress, as before.
 */
import { useQueryClient } from '@tanstack/react-query';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { useEffect, useRef, useState } from 'react';
import { ApiError, request } from './client.ts';
import { RUNS_LIMIT, upsertRun, type RunSummary } from './run-list.ts';

export { RUNS_LIMIT, type RunSummary } from './run-list.ts';

export type RunStreamState = 'connecting' | 'live' | 'retrying' | 'absent';


/** The query a run page reads its run under; the run's stream writes there. */
export const runQueryKey = (id: string): readonly ['run', string] => ['run', id];
export const RUNS_KEY = ['runs'] as const;

/** Follows `path` while mounted: each event to `onEvent`; the stream's state returned. */
function useEventStream(path: string, onEvent: (event: string, data: unknown) => void): RunStreamState {
  const [state, setState] = useState<RunStreamState>('connecting');
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    const abort = new AbortController();
    void (async () => {
      let delay = 500;
      while (!abort.signal.aborted) {
        try {
          const response = await request(path, { signal: abort.signal });
          if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
            setState('absent');
            return;
          }
          const events = (response.body ?? new ReadableStream<Uint8Array<ArrayBuffer>>()).pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array<ArrayBuffer>>).pipeThrough(new EventSourceParserStream());
          for await (const event of events) {
            handler.current(event.event ?? 'message', JSON.parse(event.data));
            delay = 500;
            setState('live');
          }
        } catch (error) {
          if (abort.signal.aborted) return;
          if (error instanceof ApiError && error.status === 404) {
            setState('absent');
            return;
          }
        }
        if (abort.signal.aborted) return;
        setState('retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 15_000);
      }
    })();
    return () => abort.abort();
  }, [path]);
  return state;
}

/** The run page's stream: every event is the whole run. */
export function useRunStream(id: string): RunStreamState {
  const queryClient = useQueryClient();
  return useEventStream(`/api/v1/runs/${encodeURIComponent(id)}/stream`, (event, data) => {
    if (event === 'run') queryClient.setQueryData(runQueryKey(id), data);
  });
}

/** The list page's stream: the list, then each run written, newest first. */
export function useRunsStream(): RunStreamState {
  const queryClient = useQueryClient();
  return useEventStream(`/api/v1/runs?limit=${RUNS_LIMIT}&watch=true`, (event, data) => {
    if (event === 'runs') queryClient.setQueryData(RUNS_KEY, data);
    else if (event === 'run') queryClient.setQueryData<{ items: RunSummary[] }>(RUNS_KEY, (old) => ({ items: upsertRun(old?.items ?? [], data as RunSummary) }));
  });
}
