/**
 * One release in every stage of its promotion: state, who promoted it and when, where it runs
 * (what each stage's agent reports now), the gates with their reasons and approvals, the hold.
 * Promote, approve and release a hold are shown only to a caller whose role has the verb. The
 * release is read again when the live stream says one of its stages' applications changed or has
 * a new ledger entry (a promotion step, a sync), not on a timer.
 */
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { getJson } from '../api/client.ts';
import { useRefetchOnLive } from '../api/live-refetch.ts';
import { releaseKey, stageSummary, useReleaseAction } from '../api/releases.ts';
import { can, useWhoami } from '../api/session.ts';
import type { GateView, ReleaseStageView, ReleaseView } from '../api/types.ts';
import { Badge, Button, Card, ErrorState, Loading, Time } from '../ui/primitives.tsx';

export default function ReleasePage(): ReactNode {
  const { id = '' } = useParams();
  const release = useQuery({ queryKey: releaseKey(id), queryFn: ({ signal }) => getJson<ReleaseView>(`/api/v1/releases/${encodeURIComponent(id)}`, signal), retry: false });
  useRefetchOnLive(release.data?.stages.map((s) => s.application) ?? [], release.refetch);
  if (release.error !== null) return <ErrorState error={release.error} retry={() => void release.refetch()} />;
  if (release.data === undefined) return <Loading what={`release ${id}`} />;
  const r = release.data;
  return (
    <>
      <h1>{r.id} <span className="muted">of {r.promotion}</span></h1>
      <Card title="Release">
        <div className="kv">
          {Object.entries(r.values).map(([k, v]) => <code key={k}>{k}={v}</code>)}
          <span>made by {r.createdBy} <span className="muted">({r.origin})</span> <Time iso={r.createdAt} /></span>
          <Link to="/releases">All releases</Link>
        </div>
      </Card>
      {r.stages.length === 0 ? <p className="muted">Its promotion is no longer in Git: no stages to show.</p> : null}
      {r.stages.map((stage) => <StageCard key={stage.stage} release={r} stage={stage} />)}
    </>
  );
}

function StageCard({ release, stage }: { release: ReleaseView; stage: ReleaseStageView }): ReactNode {
  const whoami = useWhoami();
  const act = useReleaseAction();
  const mayWrite = can(whoami, 'gitops-write');
  const approvals = stage.gates.find((g) => g.gate === 'approvals');
  const mayApprove = can(whoami, 'approve') && approvals !== undefined && !approvals.passed;
  const runsHere = stage.current && stage.state !== 'failed';
  return (
    <Card title={`Stage ${stage.stage}`} actions={(
      <div className="kv">
        {mayWrite && !runsHere ? <Button variant="primary" onClick={() => act.mutate({ action: 'promote', release: release.id, stage: stage.stage })} disabled={act.isPending}>Promote to {stage.stage}</Button> : null}
        {mayApprove ? <Button onClick={() => act.mutate({ action: 'approve', release: release.id, stage: stage.stage })} disabled={act.isPending}>Approve for {stage.stage}</Button> : null}
        {mayWrite && stage.held !== undefined ? <Button onClick={() => act.mutate({ action: 'unhold', promotion: release.promotion, stage: stage.stage })} disabled={act.isPending}>Release hold on {stage.stage}</Button> : null}
      </div>
    )}>
      <div className="kv">
        <span>{stage.application}</span>
        {stage.state === undefined ? <span className="muted">not reached</span> : <Badge value={stage.state} label="stage" />}
        {stage.current ? <span className="badge tone-info">current release here</span> : null}
        {stage.requestedBy === undefined ? null : <span>promoted by {stage.requestedBy}{stage.manual === true ? ' (by hand)' : ''} <Time iso={stage.startedAt} /></span>}
        {stage.revision === undefined ? null : <code title={stage.revision}>{stage.revision.slice(0, 12)}</code>}
        {stage.healthyAt === undefined ? null : <span>healthy <Time iso={stage.healthyAt} /></span>}
      </div>
      {stage.message === undefined ? null : <p className="muted">{stage.message}</p>}
      <WhereItRuns stage={stage} />
      {stage.held === undefined ? null : <p className="state-warn" role="status" aria-label={`Hold on ${stage.stage}`}>Held by {stage.held.by} <Time iso={stage.held.at} />: {stage.held.reason}</p>}
      {stage.gates.length === 0 ? null : (
        <ul className="gates" aria-label={`Gates of ${stage.stage}`}>
          {stage.gates.map((gate) => <GateItem key={gate.gate} gate={gate} />)}
        </ul>
      )}
      {act.error === null ? null : <p role="alert" className="state-error">{act.error.message}</p>}
    </Card>
  );
}

function WhereItRuns({ stage }: { stage: ReleaseStageView }): ReactNode {
  const reported = stage.reported;
  if (reported === undefined) return <p className="muted">Where it runs: {stageSummary(stage)}.</p>;
  return (
    <p className="kv" aria-label={`Where ${stage.stage} runs`}>
      <span>Agent reports <code title={reported.revision}>{reported.revision.slice(0, 12)}</code></span>
      <Badge value={reported.sync} label="sync" />
      <Badge value={reported.health} label="health" />
      <span>{reported.runsThisRelease ? 'running this release' : 'running another revision'}</span>
      {reported.lastSyncedAt === undefined ? null : <span className="muted">synced <Time iso={reported.lastSyncedAt} /></span>}
    </p>
  );
}

function GateItem({ gate }: { gate: GateView }): ReactNode {
  return (
    <li>
      <Badge value={gate.passed ? 'passed' : 'waiting'} label={`${gate.gate} gate`} /> <strong>{gate.gate}</strong> {gate.reason}
      {gate.approvedBy === undefined || gate.approvedBy.length === 0 ? null : <span className="muted"> (approved by {gate.approvedBy.join(', ')})</span>}
      {gate.opensAt === undefined ? null : <span className="muted"> opens <Time iso={gate.opensAt} /></span>}
    </li>
  );
}
