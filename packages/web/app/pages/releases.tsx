/**
 * Releases and promotions: each promotion's stages with the release each runs and its hold (a
 * hold released from here by who may write its stage's config), then the releases newest first.
 * A hub that runs no promotions says so instead of failing. Both are read again when the live
 * stream says a stage's application changed.
 */
import { useQuery } from '@tanstack/react-query';
import { useCallback, type ReactNode } from 'react';
import { Link } from 'react-router';
import { ApiError, getJson } from '../api/client.ts';
import { useRefetchOnLive } from '../api/live-refetch.ts';
import { PROMOTIONS_KEY, RELEASES_KEY, stageSummary, useReleaseAction, type Promotion, type Promotions } from '../api/releases.ts';
import { can, useWhoami } from '../api/session.ts';
import type { ReleaseView } from '../api/types.ts';
import { Badge, Button, Card, Empty, ErrorState, Loading, Time } from '../ui/primitives.tsx';

export default function ReleasesPage(): ReactNode {
  const promotions = useQuery({ queryKey: PROMOTIONS_KEY, queryFn: ({ signal }) => getJson<Promotions>('/api/v1/promotions', signal), retry: false });
  const releases = useQuery({ queryKey: RELEASES_KEY, queryFn: ({ signal }) => getJson<{ items: ReleaseView[] }>('/api/v1/releases?limit=100', signal), retry: false });
  const stageApplications = promotions.data?.items.flatMap((p) => p.stages.map((s) => s.application)) ?? [];
  const refetchBoth = useCallback(() => Promise.all([promotions.refetch(), releases.refetch()]), [promotions.refetch, releases.refetch]);
  useRefetchOnLive(stageApplications, refetchBoth);
  const absent = promotions.error instanceof ApiError && promotions.error.status === 404;
  if (absent) return <><h1>Releases</h1><Empty title="This hub runs no promotions">Releases appear here once the hub reads promotions from Git.</Empty></>;
  if (promotions.error !== null) return <ErrorState error={promotions.error} retry={() => void promotions.refetch()} />;
  if (releases.error !== null) return <ErrorState error={releases.error} retry={() => void releases.refetch()} />;
  if (promotions.data === undefined || releases.data === undefined) return <Loading what="releases" />;
  return (
    <>
      <h1>Releases</h1>
      {promotions.data.invalid.length === 0 ? null : (
        <p role="alert" className="attention">{promotions.data.invalid.map((i) => `${i.file}: ${i.error}`).join(' · ')}</p>
      )}
      {promotions.data.items.length === 0
        ? <Empty title="No promotions yet">Add a repository with <code>.trueup/promotions/*.yml</code> (<code>trueup release source add</code>) to promote releases between environments.</Empty>
        : promotions.data.items.map((p) => <PromotionCard key={p.name} promotion={p} />)}
      <Card title={`${releases.data.items.length} releases`}>
        {releases.data.items.length === 0 ? <Empty title="No releases yet" /> : (
          <table className="plain" aria-label="Releases">
            <thead><tr><th>Release</th><th>Promotion</th><th>Values</th><th>Stages</th><th>By</th><th>Made</th></tr></thead>
            <tbody>{releases.data.items.map((r) => (
              <tr key={r.id}>
                <td><Link to={`/releases/${encodeURIComponent(r.id)}`}>{r.id}</Link></td>
                <td>{r.promotion}</td>
                <td>{Object.entries(r.values).map(([k, v]) => <code key={k}>{k}={v} </code>)}</td>
                <td>{r.stages.map((s) => `${s.stage}: ${stageSummary(s)}`).join(' · ')}</td>
                <td>{r.createdBy} <span className="muted">({r.origin})</span></td>
                <td><Time iso={r.createdAt} /></td>
              </tr>
            ))}</tbody>
          </table>
        )}
      </Card>
    </>
  );
}

function PromotionCard({ promotion }: { promotion: Promotion }): ReactNode {
  const whoami = useWhoami();
  const mayWrite = can(whoami, 'gitops-write');
  const act = useReleaseAction();
  return (
    <Card title={`Promotion ${promotion.name}`}>
      <p className="muted">{promotion.file} in {promotion.repoURL}</p>
      <div className="stages" role="list" aria-label={`Stages of ${promotion.name}`}>
        {promotion.stages.map((stage, index) => (
          <div className="stage" role="listitem" key={stage.name} aria-label={`Stage ${stage.name}`}>
            <div className="job">
              <strong>{index + 1}. {stage.name}</strong>
              <span className="muted">{stage.application}</span>
              {stage.release === null ? <span className="muted">no release yet</span> : <span><Link to={`/releases/${encodeURIComponent(stage.release)}`}>{stage.release}</Link> {stage.state === null ? null : <Badge value={stage.state} label="stage" />}</span>}
              {stage.held === null ? null : (
                <p className="job-note state-warn">Held by {stage.held.by} <Time iso={stage.held.at} />: {stage.held.reason}</p>
              )}
              {stage.held !== null && mayWrite
                ? <Button onClick={() => act.mutate({ action: 'unhold', promotion: promotion.name, stage: stage.name })} disabled={act.isPending}>Release hold on {stage.name}</Button>
                : null}
            </div>
          </div>
        ))}
      </div>
      {act.error === null ? null : <p role="alert" className="state-error">{act.error.message}</p>}
    </Card>
  );
}
