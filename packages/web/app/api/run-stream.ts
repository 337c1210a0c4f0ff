/**
 * A run followed live over `GET /api/v1/runs/{id}/stream`: each `run` event is the whole run (as
 * `GET /api/v1/runs/{id}` shows it) and replaces the query's data, so the run page never polls.
 * Reconnects with backoff. A hub without the stream answers 404: the page then reads the run
 * every 2 s while it is in progress, as it did before the hub had one.
 */
import { useQueryClient } from '@tanstack/react-query';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { useEffect, useState } from 'react';
import { ApiError, request } from './client.ts';

export type RunStreamState = 'connecting' | 'live' | 'retrying' | 'absent';

/** The query a run page reads its run under; the stream writes there. */
export const runQueryKey = (id: string): readonly ['run', string] => ['run', id];

export function useRunStream(id: string): RunStreamState {
  const queryClient = useQueryClient();
  const [state, setState] = useState<RunStreamState>('connecting');
  useEffect(() => {
    const abort = new AbortController();
    void (async () => {
      let delay = 500;
      while (!abort.signal.aborted) {
        try {
          const response = await request(`/api/v1/runs/${encodeURIComponent(id)}/stream`, { signal: abort.signal });
          const events = (response.body ?? new ReadableStream<Uint8Array<ArrayBuffer>>()).pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array<ArrayBuffer>>).pipeThrough(new EventSourceParserStream());
          for await (const event of events) {
            if (event.event !== 'run') continue;
            queryClient.setQueryData(runQueryKey(id), JSON.parse(event.data));
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
  }, [id, queryClient]);
  return state;
}
