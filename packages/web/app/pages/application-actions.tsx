/**
 * Refresh, sync (prune, dry run), pause and resume self-heal: only what the caller may do. Each
 * command shows when it was requested and handled, or that it waits for an agent that is away;
 * a dry run shows its plan (what a sync would change).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { ApiError, getJson, postJson, query } from '../api/client.ts';
import { can, useWhoami } from '../api/session.ts';
import type { Command, Environment, ResourceStatus } from '../api/types.ts';
import { Badge, Button, Card, Time } from '../ui/primitives.tsx';
import { applicationPath, type Detail } from '../api/application.ts';

type Verb = 'refresh' | 'sync' | 'pause' | 'resume';
const DONE = new Set(['succeeded', 'failed']);

/** `drawn`: the page's first paint is done (the environments, for "agent offline", are read after it). */
export function Actions({ environment, name, detail, drawn }: { environment: string; name: string; detail: Detail; drawn: boolean }): ReactNode {
  const whoami = useWhoami();
  const project = detail.spec?.project;
  const may = {
    refresh: can(whoami, 'refresh', project), sync: can(whoami, 'sync', project), prune: can(whoami, 'sync-prune', project),
    dryRun: can(whoami, 'sync-dry-run', project), pause: can(whoami, 'pause-self-heal', project),
  };
  const [prune, setPrune] = useState(false);
  const [dryRun, setDryRun] = useState(false);
  const [commandId, setCommandId] = useState<string | undefined>();
  const base = applicationPath(environment, name);
  const queryClient = useQueryClient();
  const send = useMutation({
    mutationFn: ({ verb }: { verb: Verb }) => (verb === 'sync' ? sync(base, { prune: may.prune && prune, dryRun: may.dryRun && dryRun }) : postJson<Command>(`${base}/${verb}`, {})),
    onSuccess: (command) => setCommandId(command.id),
  });
  const command = useQuery({
    queryKey: ['command', commandId],
    enabled: commandId !== undefined,
    queryFn: ({ signal }) => getJson<Command>(`/api/v1/commands/${commandId ?? ''}`, signal),
    refetchInterval: (q) => (DONE.has(q.state.data?.state ?? '') ? false : 1000),
  });
  const finished = DONE.has(command.data?.state ?? '');
  useEffect(() => {
    if (!finished) return;
    void queryClient.invalidateQueries({ queryKey: ['application', `${environment}/${name}`] });
    void queryClient.invalidateQueries({ queryKey: ['history', `${environment}/${name}`] });
    void queryClient.invalidateQueries({ queryKey: ['resource', base] });
  }, [finished, queryClient, environment, name, base]);
  const environments = useQuery({ queryKey: ['environments'], enabled: drawn, queryFn: ({ signal }) => getJson<{ items: Environment[] }>('/api/v1/environments', signal) });
  const env = environments.data?.items.find((e) => e.name === environment);
  const shown = command.data;
  const forbidden = send.error instanceof ApiError && send.error.status === 403;
  const paused = (detail.selfHeal ?? detail.status.selfHeal)?.state === 'paused';
  const anything = may.refresh || may.sync || may.pause;
  return (
    <Card title="Actions">
      <div className="kv">
        {may.refresh ? <Button onClick={() => send.mutate({ verb: 'refresh' })} disabled={send.isPending}>Refresh</Button> : null}
        {may.sync ? <Button variant="primary" onClick={() => send.mutate({ verb: 'sync' })} disabled={send.isPending}>{dryRun && may.dryRun ? 'Dry run' : 'Sync'}</Button> : null}
        {may.sync && may.prune ? <label><input type="checkbox" checked={prune} onChange={(e) => setPrune(e.target.checked)} /> Prune</label> : null}
        {may.sync && may.dryRun ? <label><input type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} /> Dry run only</label> : null}
        {may.pause ? (paused
          ? <Button onClick={() => send.mutate({ verb: 'resume' })} disabled={send.isPending}>Resume self-heal</Button>
          : <Button onClick={() => send.mutate({ verb: 'pause' })} disabled={send.isPending}>Pause self-heal</Button>) : null}
        {anything || whoami.subject === '' ? null : <span className="muted">Your role may look but not act on this application.</span>}
        {env !== undefined && !env.connected ? <span className="badge tone-warn">agent offline since <Time iso={env.lastSeenAt} /></span> : null}
      </div>
      {send.error === null ? null : <p role="alert" className="state-error">{forbidden ? 'Your role may not do this: an operator or admin is needed.' : send.error.message}</p>}
      {shown === undefined ? null : (
        <div role="status" aria-label="Last command" className="kv command">
          <span><strong>{shown.verb}{shown.dryRun === true ? ' (dry run)' : ''}{shown.prune === true ? ' (prune)' : ''}</strong></span>
          <Badge value={shown.state} label="command" />
          <span>requested <Time iso={shown.requestedAt} /> by {shown.requestedBy}</span>
          {shown.state === 'queued' && env !== undefined && !env.connected ? <span>queued: agent offline since <Time iso={env.lastSeenAt} /></span> : null}
          {shown.finishedAt === undefined ? <span className="muted">not handled yet</span> : <span>handled <Time iso={shown.finishedAt} /></span>}
          {shown.result === undefined ? null : <span>{shown.result.message}</span>}
        </div>
      )}
      {shown?.dryRun === true && shown.state === 'succeeded' ? <DryRunPlan resources={detail.status.resources ?? []} /> : null}
    </Card>
  );
}

/**
 * A sync with its options in the query (`?prune=true&dryRun=true`) and, for a hub that reads them
 * from the body only and refuses unknown query fields, once more with the body alone.
 */
async function sync(base: string, options: { prune: boolean; dryRun: boolean }): Promise<Command> {
  const body = { ...(options.prune ? { prune: true } : {}), ...(options.dryRun ? { dryRun: true } : {}) };
  const search = query({ prune: options.prune ? 'true' : undefined, dryRun: options.dryRun ? 'true' : undefined });
  try {
    return await postJson<Command>(`${base}/sync${search}`, body);
  } catch (error) {
    if (search === '' || !(error instanceof ApiError) || error.code !== 'HUB_REQUEST_INVALID' || error.details.field !== 'query') throw error;
    return postJson<Command>(`${base}/sync`, body);
  }
}

/** What a sync would change, from the comparison the dry run just made. */
function DryRunPlan({ resources }: { resources: ResourceStatus[] }): ReactNode {
  const changes = resources.filter((r) => r.sync !== 'Synced');
  return (
    <section aria-label="Dry run plan" className="plan">
      <h3>Dry run plan</h3>
      {changes.length === 0 ? <p className="muted">A sync would change nothing: live matches Git.</p> : (
        <ul>{changes.map((r) => <li key={`${r.apiVersion}/${r.kind}/${r.namespace ?? ''}/${r.name}`}><Badge value={r.health.status === 'Missing' ? 'create' : 'update'} /> {r.kind} {r.namespace === undefined ? '' : `${r.namespace}/`}{r.name}</li>)}</ul>
      )}
    </section>
  );
}
