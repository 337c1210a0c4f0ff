/**
 * "Adopt into Git" for an object that drifted: the hub writes its live fields into the file and
 * line it came from (one commit, through its writer), waits for the agent to apply it and resumes
 * self-heal (`POST …/adopt`, as `trueup adopt`). Shown to a caller who may write config and pause
 * self-heal; the result names the commit, each line changed, and whether self-heal resumed.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { postJson } from '../api/client.ts';
import type { AdoptResult } from '../api/types.ts';
import { Button } from '../ui/primitives.tsx';

/** `onStart`: told when an adoption starts, so the parent keeps showing its result once the object is in sync. */
export function AdoptAction({ base, resourceKey, onStart }: { base: string; resourceKey: string; onStart: () => void }): ReactNode {
  const queryClient = useQueryClient();
  const adopt = useMutation({
    mutationFn: () => postJson<AdoptResult>(`${base}/adopt`, { object: resourceKey }),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ['resource', base] });
      void queryClient.invalidateQueries({ queryKey: ['application'] });
    },
  });
  const result = adopt.data;
  return (
    <div className="adopt">
      {result === undefined ? <Button variant="primary" onClick={() => { onStart(); adopt.mutate(); }} disabled={adopt.isPending}>{adopt.isPending ? 'Adopting…' : 'Adopt into Git'}</Button> : null}
      {adopt.isPending ? <span className="muted"> committing the live fields and waiting for the agent to apply them…</span> : null}
      {adopt.error === null ? null : <p role="alert" className="state-error">{adopt.error.message}</p>}
      {result === undefined ? null : (
        <div role="status" aria-label="Adopted">
          <p>{result.outcome === 'committed' ? <>Committed <code title={result.revision}>{result.revision.slice(0, 12)}</code> into {result.file}</> : <>Git already has these values ({result.file})</>}
            {result.resumed ? '; self-heal resumed.' : '; self-heal stays paused until the agent applies it.'}</p>
          {result.changes.length === 0 ? null : (
            <ul className="gates">{result.changes.map((c) => <li key={`${c.file}:${c.line}:${c.key}`}><code>{c.file}:{c.line}</code> {c.key}: {JSON.stringify(c.from)} → {JSON.stringify(c.to)}</li>)}</ul>
          )}
        </div>
      )}
    </div>
  );
}
