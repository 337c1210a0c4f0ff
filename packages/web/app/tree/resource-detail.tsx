/**
 * One resource, opened from the tree: its diff (unified or side by side), the live object and
 * the desired one, from `GET …/resources/{key}`. A hub that does not serve objects yet, or an
 * agent that is offline, leaves the diff the agent last reported. An object out of sync can be
 * adopted into Git by who may write config and pause self-heal.
 */
import { useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { stringify } from 'yaml';
import { ApiError, getJson } from '../api/client.ts';
import { can, useWhoami } from '../api/session.ts';
import { Badge, Button, Loading } from '../ui/primitives.tsx';
import { ResourceDiff } from '../ui/resource-diff.tsx';
import { AdoptAction } from './adopt-action.tsx';

export interface ResourceDetailBody {
  key: string;
  live: Record<string, unknown> | null;
  desired: Record<string, unknown> | null;
  diff: string;
  health?: string | { status: string; message?: string };
  sync?: string;
}

type Tab = 'diff' | 'live' | 'desired';

export function ResourceDetail({ base, resourceKey, title, reportedDiff, reportedSync, project, onClose }: {
  base: string; resourceKey: string; title: string; reportedDiff: string | undefined; reportedSync: string | undefined; project: string | undefined; onClose: () => void;
}): ReactNode {
  const [tab, setTab] = useState<Tab>('diff');
  const whoami = useWhoami();
  const mayAdopt = can(whoami, 'gitops-write', project) && can(whoami, 'pause-self-heal', project);
  const detail = useQuery({
    queryKey: ['resource', base, resourceKey],
    queryFn: ({ signal }) => getJson<ResourceDetailBody>(`${base}/resources/${encodeURIComponent(resourceKey)}`, signal),
    retry: false,
  });
  const error = detail.error;
  const absent = error instanceof ApiError && error.status === 404;
  const offline = error instanceof ApiError && error.status === 503;
  const diff = detail.data?.diff ?? reportedDiff;
  const health = detail.data?.health;
  const outOfSync = (detail.data?.sync ?? reportedSync) === 'OutOfSync';
  const [adopting, setAdopting] = useState(false);
  return (
    <section className="card resource-detail" aria-label={`Resource ${title}`}>
      <header className="card-head">
        <h2>{title}</h2>
        <div className="kv">
          {detail.data?.sync === undefined ? null : <Badge value={detail.data.sync} label="sync" />}
          {health === undefined ? null : <Badge value={typeof health === 'string' ? health : health.status} label="health" />}
          <Button onClick={onClose} aria-label={`Close ${title}`}>Close</Button>
        </div>
      </header>
      {(outOfSync || adopting) && mayAdopt ? <AdoptAction base={base} resourceKey={resourceKey} onStart={() => setAdopting(true)} /> : null}
      <div className="tabs" role="tablist" aria-label="Show">
        {(['diff', 'live', 'desired'] as const).map((t) => (
          <button key={t} type="button" role="tab" aria-selected={tab === t} className="tab" onClick={() => setTab(t)}>{t === 'diff' ? 'Diff' : t === 'live' ? 'Live' : 'Desired'}</button>
        ))}
      </div>
      <div role="tabpanel" aria-label={tab === 'diff' ? 'Diff' : tab === 'live' ? 'Live object' : 'Desired object'}>
        {detail.isPending ? <Loading what="the resource" /> : null}
        {offline ? <p role="alert" className="state-warn">{error.message} — showing the diff the agent last reported.</p> : null}
        {error !== null && !absent && !offline ? <p role="alert" className="state-error">{error.message}</p> : null}
        {tab === 'diff' ? (detail.isPending ? null : <ResourceDiff name={title} diff={diff} />)
          : detail.data === undefined ? (detail.isPending ? null : <p className="muted">{absent ? 'This hub does not serve live and desired objects; the diff tab shows what the agent reported.' : 'Not available.'}</p>)
          : <ObjectYaml object={tab === 'live' ? detail.data.live : detail.data.desired} missing={tab === 'live' ? 'Not in the cluster or on the host: it would be created.' : 'Not in Git: it would be pruned.'} />}
      </div>
    </section>
  );
}

function ObjectYaml({ object, missing }: { object: Record<string, unknown> | null; missing: string }): ReactNode {
  if (object === null) return <p className="muted">{missing}</p>;
  return <pre className="object-yaml" tabIndex={0}>{stringify(object, { lineWidth: 0 })}</pre>;
}
