/** Refresh and sync (prune, dry run): each command shows when it was requested and handled, or why it waits. */
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { ApiError, getJson, postJson } from '../api/client.ts';
import type { Command, Environment } from '../api/types.ts';
import { Badge, Button, Card, Time } from '../ui/primitives.tsx';

export function Actions({ environment, name }: { environment: string; name: string }): ReactNode {
  const [prune, setPrune] = useState(false);
  const [dryRun, setDryRun] = useState(false);
  const [commandId, setCommandId] = useState<string | undefined>();
  const base = `/api/v1/environments/${encodeURIComponent(environment)}/applications/${encodeURIComponent(name)}`;
  const send = useMutation({
    mutationFn: ({ verb }: { verb: 'refresh' | 'sync' }) => postJson<Command>(`${base}/${verb}`, verb === 'sync' ? { prune, dryRun } : {}),
    onSuccess: (command) => setCommandId(command.id),
  });
  const command = useQuery({
    queryKey: ['command', commandId],
    enabled: commandId !== undefined,
    queryFn: ({ signal }) => getJson<Command>(`/api/v1/commands/${commandId ?? ''}`, signal),
    refetchInterval: (q) => (q.state.data?.state === 'succeeded' || q.state.data?.state === 'failed' ? false : 1000),
  });
  const environments = useQuery({ queryKey: ['environments'], queryFn: ({ signal }) => getJson<{ items: Environment[] }>('/api/v1/environments', signal) });
  const env = environments.data?.items.find((e) => e.name === environment);
  const shown = command.data;
  const forbidden = send.error instanceof ApiError && send.error.status === 403;
  return (
    <Card title="Actions">
      <div className="kv">
        <Button onClick={() => send.mutate({ verb: 'refresh' })} disabled={send.isPending}>Refresh</Button>
        <Button variant="primary" onClick={() => send.mutate({ verb: 'sync' })} disabled={send.isPending}>Sync</Button>
        <label><input type="checkbox" checked={prune} onChange={(e) => setPrune(e.target.checked)} /> Prune</label>
        <label><input type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} /> Dry run</label>
        {env !== undefined && !env.connected ? <span className="badge tone-warn">agent offline since <Time iso={env.lastSeenAt} /></span> : null}
      </div>
      {send.error === null ? null : <p role="alert" className="state-error">{forbidden ? 'Your role may not do this: an operator or admin token is needed.' : send.error.message}</p>}
      {shown === undefined ? null : (
        <div role="status" aria-label="Last command" className="kv" style={{ marginTop: 8 }}>
          <span><strong>{shown.verb}{shown.dryRun === true ? ' (dry run)' : ''}{shown.prune === true ? ' (prune)' : ''}</strong></span>
          <Badge value={shown.state} label="command" />
          <span>requested <Time iso={shown.requestedAt} /> by {shown.requestedBy}</span>
          {shown.state === 'queued' && env !== undefined && !env.connected ? <span>queued: agent offline since <Time iso={env.lastSeenAt} /></span> : null}
          {shown.finishedAt === undefined ? <span className="muted">not handled yet</span> : <span>handled <Time iso={shown.finishedAt} /></span>}
          {shown.result === undefined ? null : <span>{shown.result.message}</span>}
        </div>
      )}
    </Card>
  );
}
