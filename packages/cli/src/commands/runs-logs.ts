/**
 * `trueup runs logs RUN JOB [-f]`: a job's log; with -f it follows the log until the job ends.
 * A stream cut short (the hub restarted, a replica went away) is opened again from the last
 * chunk shown (Last-Event-ID), so no line is shown twice and none is missed.
 */
import { HubApiError, type HubClient } from '@trueup/hub';
import { isTrueupError } from '@trueup/api';

/** How long the hub may stay unreachable while a log is followed before the command gives up. */
const UNREACHABLE_FOR_MS = 120_000;

interface JobsView { status: string; jobs: { key: string; conclusion: string | null }[] }

export async function followLog(client: HubClient, run: string, job: string, follow: boolean): Promise<number> {
  const path = `/api/v1/runs/${encodeURIComponent(run)}/jobs/${encodeURIComponent(job)}/log`;
  if (!follow) {
    process.stdout.write(await client.get<string>(path));
    return 0;
  }
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  let last: string | undefined;
  let ended = false;
  let unreachableSince: number | undefined;
  while (!ended && !stop.signal.aborted) {
    try {
      await client.stream(`${path}?follow=true`, (event, data, id) => {
        unreachableSince = undefined;
        if (event === 'log') {
          process.stdout.write(JSON.parse(data) as string);
          if (id !== undefined) last = id;
        }
        if (event === 'end') ended = true;
      }, stop.signal, last);
      // Ended without `end`: the stream was cut; open it again from the last chunk shown.
    } catch (error) {
      if (stop.signal.aborted) break;
      if (error instanceof HubApiError && error.status === 404) {
        // A job that waits for the jobs it needs has no log yet: wait for it while the run goes on.
        const view = await client.get<JobsView>(`/api/v1/runs/${encodeURIComponent(run)}`);
        if (view.status === 'completed') throw error;
      } else if (unreachable(error)) {
        unreachableSince ??= Date.now();
        if (Date.now() - unreachableSince > UNREACHABLE_FOR_MS) throw error;
      } else {
        throw error;
      }
    }
    if (!ended) await new Promise((resolve) => setTimeout(resolve, 300));
  }
  const view = await client.get<JobsView>(`/api/v1/runs/${encodeURIComponent(run)}`);
  const conclusion = view.jobs.find((j) => j.key === job)?.conclusion;
  return conclusion === 'success' || conclusion === 'skipped' ? 0 : 1;
}

/** The hub could not be reached or answered that it is not ready: worth trying again. */
function unreachable(error: unknown): boolean {
  if (error instanceof HubApiError) return error.status >= 500;
  if (isTrueupError(error)) return error.code === 'HUB_UNAVAILABLE';
  // The connection was cut in the middle of the stream.
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'ECONNRESET' || code === 'ECONNREFUSED' || code === 'EPIPE';
}
