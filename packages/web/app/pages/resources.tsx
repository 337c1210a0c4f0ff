/**
 * The application's resources: a tree (kinds, then objects, then what Kubernetes objects own)
 * or a plain list of every resource; a click opens the resource's diff and objects below.
 * The view is in the URL (`?view=list`), so a link keeps it.
 */
import { lazy, Suspense, useMemo, useState, type ReactNode } from 'react';
import { useSearchParams } from 'react-router';
import type { ApplicationStatus, ResourceStatus } from '../api/types.ts';
import { ResourceTree } from '../tree/resource-tree.tsx';
import { resourceKey, type TreeResource, type TreeRow } from '../tree/tree-model.ts';
import { Badge, Button, Card, Empty, Loading } from '../ui/primitives.tsx';

// The diff viewer and the YAML printer load when a resource is first opened, not with the page.
const ResourceDetail = lazy(() => import('../tree/resource-detail.tsx').then((m) => ({ default: m.ResourceDetail })));

export function toTreeResource(r: ResourceStatus): TreeResource {
  return { key: resourceKey(r), kind: r.kind, name: r.name, namespace: r.namespace, sync: r.sync, health: r.health.status, host: r.apiVersion.startsWith('host.trueup.dev/') };
}

export function Resources({ base, status, project }: { base: string; status: ApplicationStatus; project: string | undefined }): ReactNode {
  const [params, setParams] = useSearchParams();
  const view = params.get('view') === 'list' ? 'list' : 'tree';
  const setView = (next: 'tree' | 'list'): void => {
    const search = new URLSearchParams(params);
    if (next === 'tree') search.delete('view');
    else search.set('view', next);
    setParams(search, { replace: true });
  };
  const resources = status.resources ?? [];
  const treeResources = useMemo(() => resources.map(toTreeResource), [resources]);
  const diffs = useMemo(() => new Map(resources.map((r) => [resourceKey(r), r.diff])), [resources]);
  const syncs = useMemo(() => new Map(resources.map((r) => [resourceKey(r), r.sync])), [resources]);
  const [selected, setSelected] = useState<{ key: string; title: string } | undefined>();
  const select = (key: string, title: string): void => setSelected((s) => (s?.key === key ? undefined : { key, title }));
  return (
    <>
      <Card title={`Resources (${resources.length})`} actions={resources.length === 0 ? undefined : (
        <div className="kv" role="group" aria-label="View">
          <Button aria-pressed={view === 'tree'} onClick={() => setView('tree')}>Tree</Button>
          <Button aria-pressed={view === 'list'} onClick={() => setView('list')}>List</Button>
        </div>
      )}>
        {resources.length === 0 ? <Empty title="No resources">The agent has applied nothing for this application yet.</Empty>
          : view === 'tree' ? <ResourceTree base={base} resources={treeResources} selected={selected?.key} onSelect={(row: TreeRow) => select(row.id, `${row.kind} ${row.label}`)} />
          : <ResourceList resources={resources} selected={selected?.key} onSelect={select} />}
      </Card>
      {selected === undefined ? null : (
        <Suspense fallback={<Loading what={selected.title} />}>
          <ResourceDetail key={selected.key} base={base} resourceKey={selected.key} title={selected.title} reportedDiff={diffs.get(selected.key)} reportedSync={syncs.get(selected.key)} project={project} onClose={() => setSelected(undefined)} />
        </Suspense>
      )}
    </>
  );
}

/** Every resource as one table row, all drawn at once: fine for tens, the tree is for thousands. */
function ResourceList({ resources, selected, onSelect }: { resources: ResourceStatus[]; selected: string | undefined; onSelect: (key: string, title: string) => void }): ReactNode {
  return (
    <table className="plain" aria-label="Resources">
      <thead><tr><th>Kind</th><th>Name</th><th>Sync</th><th>Health</th></tr></thead>
      <tbody>{resources.map((r) => {
        const key = resourceKey(r);
        const label = `${r.namespace === undefined ? '' : `${r.namespace}/`}${r.name}`;
        return (
          <tr key={key}>
            <td>{r.kind}</td>
            <td><button type="button" className="resource-button" aria-pressed={selected === key} onClick={() => onSelect(key, `${r.kind} ${label}`)}>{label}</button></td>
            <td><Badge value={r.sync} label="sync" /></td>
            <td><Badge value={r.health.status} label="health" /></td>
          </tr>
        );
      })}</tbody>
    </table>
  );
}
