/** A resource's drift: the unified diff (live → desired), shown side by side or unified. */
import { useState, type ReactNode } from 'react';
import ReactDiffViewer, { DiffMethod } from 'react-diff-viewer-continued';
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

export function ResourceDiff({ name, diff }: { name: string; diff: string | undefined }): ReactNode {
  const [split, setSplit] = useState(true);
  if (diff === undefined || diff === '') return <p className="muted">Live matches Git: no difference.</p>;
  const { live, desired } = sides(diff);
  const dark = document.documentElement.dataset.theme === 'dark';
  return (
    <div aria-label={`Diff of ${name}`} role="region">
      <div className="kv" style={{ margin: '8px 0' }}>
        <Button aria-pressed={split} onClick={() => setSplit(true)}>Side by side</Button>
        <Button aria-pressed={!split} onClick={() => setSplit(false)}>Unified</Button>
      </div>
      <ReactDiffViewer oldValue={live} newValue={desired} splitView={split} leftTitle="Live" rightTitle="Desired (Git)" compareMethod={DiffMethod.LINES} useDarkTheme={dark} />
    </div>
  );
}
