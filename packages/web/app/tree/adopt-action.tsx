/**
 * "Adopt into Git" for an object that drifted: the hub writes its live fields into the file and
 * line it came from, through its writer (`POST …/adopt`, as `trueup adopt`). By default the commit
 * goes on a new branch for review, and self-heal of the object stays paused until the tracked
 * branch holds the values; "Commit to the tracked branch" commits there, waits for the agent to
 * apply it and resumes self-heal. Shown to a caller who may write config and pause self-heal; the
 * result names the commit, its branch, each line changed, and whether self-heal resumed.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { postJson } from '../api/client.ts';
import type { AdoptResult } from '../api/types.ts';
import { Button } from '../ui/primitives.tsx';

type Where = 'new-branch' | 'tracked';

/** `onStart`: told when an adoption starts, so the parent keeps showing its result once the object is in sync. */
export function AdoptAction({ base, resourceKey, onStart }: { base: string; resourceKey: string; onStart: () => void }): ReactNode {
  const queryClient = useQueryClient();
  const adopt = useMutation({
    mutationFn: (where: Where) => postJson<AdoptResult>(`${base}/adopt`, { object: resourceKey, ...(where === 'new-branch' ? { newBranch: true } : {}) }),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ['resource', base] });
      void queryClient.invalidateQueries({ queryKey: ['application'] });
    },
  });
  const start = (where: Where): void => {
    onStart();
    adopt.mutate(where);
  };
  const result = adopt.data;
  return (
    <div className="adopt">
      {result === undefined ? (
        <div role="group" aria-label="Adopt into Git">
          <Button variant="primary" onClick={() => start('new-branch')} disabled={adopt.isPending}>Adopt on a new branch</Button>{' '}
          <Button onClick={() => start('tracked')} disabled={adopt.isPending}>Commit to the tracked branch</Button>
        </div>
      ) : null}
      {adopt.isPending ? <span className="muted"> committing the live fields{adopt.variables === 'tracked' ? ' and waiting for the agent to apply them' : ''}…</span> : null}
      {adopt.error === null ? null : <p role="alert" className="state-error">{adopt.error.message}</p>}
      {result === undefined ? null : <AdoptOutcome result={result} />}
    </div>
  );
}

function AdoptOutcome({ result }: { result: AdoptResult }): ReactNode {
  const onBranch = result.branch !== result.tracked;
  const what = result.outcome === 'committed'
    ? <>Committed <code title={result.revision}>{result.revision.slice(0, 12)}</code> into {result.file}{onBranch ? <> on branch <code>{result.branch}</code></> : null}</>
    : <>Git already has these values ({result.file}{onBranch ? <> on branch <code>{result.branch}</code></> : null})</>;
  const heal = result.resumed ? '; self-heal resumed.' : result.pending ? `; self-heal stays paused until ${result.tracked} holds these values.` : '; self-heal stays paused until the agent applies it.';
  return (
    <div role="status" aria-label="Adopted">
      <p>{what}{heal}</p>
      {result.compare === undefined ? null : <p className="muted">Review: <code>{result.compare}</code></p>}
      {result.changes.length === 0 ? null : (
        <ul className="gates">{result.changes.map((c) => <li key={`${c.file}:${c.line}:${c.key}`}><code>{c.file}:{c.line}</code> {c.key}: {JSON.stringify(c.from)} → {JSON.stringify(c.to)}</li>)}</ul>
      )}
    </div>
  );
}
