/** The application's conditions; Fighting shows the `ignoreDifferences` that would let the other writer's change stay. */
import { useState, type ReactNode } from 'react';
import type { Condition } from '../api/types.ts';
import { Button, Card, Empty, Time } from '../ui/primitives.tsx';
import { fightingParts } from './status-text.ts';

export function Conditions({ conditions }: { conditions: Condition[] }): ReactNode {
  return (
    <Card title="Conditions">
      {conditions.length === 0 ? <Empty title="No conditions reported" /> : (
        <table className="plain">
          <thead><tr><th>Type</th><th>Status</th><th>Reason</th><th>Message</th><th>Since</th></tr></thead>
          <tbody>{conditions.map((c) => <ConditionRow key={c.type} condition={c} />)}</tbody>
        </table>
      )}
    </Card>
  );
}

function ConditionRow({ condition: c }: { condition: Condition }): ReactNode {
  const { text, suggestion } = c.type === 'Fighting' ? fightingParts(c.message) : { text: c.message, suggestion: undefined };
  return (
    <tr className={c.type === 'Fighting' && c.status === 'True' ? 'stands-out' : ''}>
      <td>{c.type}</td><td>{c.status}</td><td>{c.reason}</td>
      <td>{text}{suggestion === undefined ? null : <Suggestion yaml={suggestion} />}</td>
      <td><Time iso={c.lastTransitionTime} /></td>
    </tr>
  );
}

function Suggestion({ yaml }: { yaml: string }): ReactNode {
  const [copied, setCopied] = useState(false);
  return (
    <div role="group" aria-label="Suggested ignoreDifferences">
      <pre tabIndex={0}>{yaml}</pre>
      <Button onClick={() => void navigator.clipboard.writeText(yaml).then(() => setCopied(true), () => setCopied(false))}>{copied ? 'Copied' : 'Copy'}</Button>
    </div>
  );
}
