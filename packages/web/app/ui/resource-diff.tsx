/** A resource's drift: the agent's unified diff (live → desired), shown unified or side by side. */
import { useState, type ReactNode } from 'react';
import ReactDiffViewer, { DiffMethod } from 'react-diff-viewer-continued';
import type { ResourceStatus } from '../api/types.ts';
import { Button } from './primitives.tsx';

/** The live and desired sides of a unified diff's hunks. */
export function sides(diff: string): { live: string; desired: string } {
  const live: string[] = [];
  const desired: string[] = [];
  for (const line of diff.split('\n')) {
    if (line.startsWith('---') || line.startsWith('+++') || line.startsWith('@@')) continue;
    if (line.startsWith('-')) live.push(line.slice(1));
    else if (line.startsWith('+')) desired.push(line.slice(1));
    else {
      live.push(line.slice(1));
      desired.push(line.slice(1));
    }
  }
  return { live: live.join('\n'), desired: desired.join('\n') };
}

export function ResourceDiff({ resource }: { resource: ResourceStatus }): ReactNode {
  const [split, setSplit] = useState(true);
  if (resource.diff === undefined || resource.diff === '') return <p className="muted">Live matches Git: no difference.</p>;
  const { live, desired } = sides(resource.diff);
  const dark = document.documentElement.dataset.theme === 'dark';
  return (
    <div aria-label={`Diff of ${resource.name}`} role="region">
      <div className="kv" style={{ margin: '8px 0' }}>
        <Button aria-pressed={split} onClick={() => setSplit(true)}>Side by side</Button>
        <Button aria-pressed={!split} onClick={() => setSplit(false)}>Unified</Button>
      </div>
      <ReactDiffViewer oldValue={live} newValue={desired} splitView={split} leftTitle="Live" rightTitle="Desired (Git)" compareMethod={DiffMethod.LINES} useDarkTheme={dark} />
    </div>
  );
}
