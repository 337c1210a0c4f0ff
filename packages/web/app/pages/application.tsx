/** One application: header with its revision, actions, conditions, the resource tree, history. */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import { useParams } from 'react-router';
import { applicationPath, applicationQuery, type Detail, type RevisionInfo } from '../api/application.ts';
import { getJson, query } from '../api/client.ts';
import { liveSnapshot, startLive, subscribeLive } from '../api/live.ts';
import type { LedgerPage } from '../api/types.ts';
import { Badge, Card, ErrorState, Loading, Time } from '../ui/primitives.tsx';
import { Actions } from './application-actions.tsx';
import { Conditions } from './conditions.tsx';
import { Resources } from './resources.tsx';
import { commitUrl } from './status-text.ts';
import { newestFirst, Timeline } from './timeline.tsx';

export { applicationPath, type Detail, type RevisionInfo, type SelfHeal } from '../api/application.ts';

export default function ApplicationPage(): ReactNode {
  const { environment = '', name = '' } = useParams();
  const key = `${environment}/${name}`;
  const path = applicationPath(environment, name);
  const detail = useQuery(applicationQuery(environment, name));
  // What the first paint does not need waits for it: the tree is drawn from the application's read alone.
  const drawn = useDrawn(detail.data !== undefined);
  // History: read once, then again whenever the stream says this application changed (no polling).
  const history = useQuery({ queryKey: ['history', key], enabled: drawn, queryFn: ({ signal }) => getJson<LedgerPage>(`/api/v1/events${query({ environment, application: name, limit: '200', order: 'desc' })}`, signal) });
  const live = useSyncExternalStore(subscribeLive, liveSnapshot);
  const patch = live.patches.get(key);
  const entries = live.ledgerByApp.get(key);
  const queryClient = useQueryClient();
  const streamFrom = detail.data?.streamFrom;
  useEffect(() => {
    // The stream resumes from this read's version (no read of its own); a hub without it: from now.
    if (drawn) startLive(streamFrom);
  }, [drawn, streamFrom]);
  useEffect(() => {
    if (patch === undefined) return;
    void queryClient.invalidateQueries({ queryKey: ['application', key] });
    // An opened resource is read from the agent again: it may have changed with the application.
    void queryClient.invalidateQueries({ queryKey: ['resource', path] });
  }, [patch, key, path, queryClient]);
  useEffect(() => {
    // New entries for this application, or the stream back after a break (entries may have been missed).
    if (entries !== undefined || live.state === 'live') void queryClient.invalidateQueries({ queryKey: ['history', key] });
  }, [entries, live.state, key, queryClient]);

  if (detail.error !== null) return <ErrorState error={detail.error} retry={() => void detail.refetch()} />;
  if (detail.data === undefined) return <Loading what={`application ${name}`} />;
  const { status } = detail.data;
  const selfHeal = detail.data.selfHeal ?? status.selfHeal;
  const summary = patch ?? detail.data;
  return (
    <>
      <h1>{name} <span className="muted">in {environment}</span></h1>
      <Card title="Status">
        <div className="kv">
          <span>Sync <Badge value={summary.sync} label="sync" /></span>
          <span>Health <Badge value={summary.health} label="health" /></span>
          {selfHeal?.state === 'paused' ? <span><Badge value="self-heal paused" />{selfHeal.pause === undefined ? null : <span className="muted"> by {selfHeal.pause.by}, <Time iso={selfHeal.pause.at} /></span>}</span> : null}
          <Revision status={status} info={detail.data.revisionInfo ?? undefined} />
          <span>Last pass <Time iso={status.lastPassAt} /></span>
        </div>
        {status.error === undefined ? null : <p role="alert" className="state-error">{status.error.code}: {status.error.message}</p>}
      </Card>
      <Actions environment={environment} name={name} detail={detail.data} drawn={drawn} />
      <Resources base={path} status={status} project={detail.data.spec?.project} />
      <Conditions conditions={status.conditions ?? []} />
      <Card title="History">
        {history.error !== null ? <ErrorState error={history.error} /> : history.data === undefined ? <Loading what="history" /> : <Timeline entries={newestFirst(history.data.items)} />}
      </Card>
    </>
  );
}

/** True from the frame after `ready` was first drawn on. */
function useDrawn(ready: boolean): boolean {
  const [drawn, setDrawn] = useState(false);
  useEffect(() => {
    if (!ready || drawn) return;
    // requestAnimationFrame runs before the paint; the task it queues runs after it.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => { timer = setTimeout(() => setDrawn(true), 0); });
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [ready, drawn]);
  return drawn;
}

function Revision({ status, info }: { status: Detail['status']; info: RevisionInfo | undefined }): ReactNode {
  const sha = info?.sha ?? status.revision;
  const href = status.source === undefined ? undefined : commitUrl(status.source.repoURL, sha);
  const short = <code title={sha}>{sha.slice(0, 12) || '—'}</code>;
  return (
    <span className="revision">
      Revision {href === undefined ? short : <a href={href} rel="noreferrer" target="_blank" aria-label={`Commit ${sha.slice(0, 12)}`}>{short}</a>}
      {info === undefined ? null : (
        <>
          {' '}<span className="commit-message">{info.message.split('\n')[0]}</span>
          {' '}<span className="muted">by {info.author}{info.authoredAt === undefined ? null : <>, <Time iso={info.authoredAt} /></>}</span>
        </>
      )}
      {status.source === undefined ? null : <span className="muted"> · {status.source.repoURL} @ {status.source.ref}{status.source.path === '' ? '' : ` /${status.source.path}`}</span>}
    </span>
  );
}
