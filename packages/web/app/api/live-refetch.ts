/**
 * Reads a page's data again when the live stream (`GET /api/v1/stream?ledger=true`) says one of
 * the applications it shows changed or has a new ledger entry, instead of polling. The first
 * value seen is what the page's read already reflects; each later one is news.
 */
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { liveSnapshot, subscribeLive } from './live.ts';

/** `applications`: keys `environment/name`. */
export function useRefetchOnLive(applications: readonly string[], refetch: () => unknown): void {
  const live = useSyncExternalStore(subscribeLive, liveSnapshot);
  const changes = applications.map((key) => `${key}:${live.ledgerByApp.get(key) ?? 0}:${JSON.stringify(live.patches.get(key) ?? null)}`).join('|');
  const seen = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (seen.current !== undefined && seen.current !== changes) void refetch();
    seen.current = changes;
  }, [changes, refetch]);
}
