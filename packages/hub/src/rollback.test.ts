import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeploymentRecord } from '@trueup/store';
import { chooseRollback } from './rollback.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
let id = 100;
const d = (revision: string, run: string, result = 'succeeded', via = 'trueup/deploy'): DeploymentRecord => ({ id: id--, environment: 'web', at: 0, actor: 'alice', application: undefined, details: { revision, run, result, via, job: 'deploy' } });

test('which deployment a rollback makes again', () => {
  // Newest first: C now (B failed in between), then B, then A.
  const history = [d(C, 'r5'), d(B, 'r4', 'failed'), d(C, 'r3'), d(B, 'r2'), d(A, 'r1')];
  const cases: { name: string; deployments: DeploymentRecord[]; to?: string; want: string }[] = [
    { name: 'the newest other revision that succeeded', deployments: history, want: 'r2' },
    { name: 'by run', deployments: history, to: 'r1', want: 'r1' },
    { name: 'by revision prefix', deployments: history, to: 'aaaaaaa', want: 'r1' },
    { name: 'a failed deployment is never a target', deployments: history, to: 'r4', want: 'no successful deployment of web by run or revision "r4"' },
    { name: 'too short a prefix is not a revision', deployments: history, to: 'aaa', want: 'no successful deployment of web by run or revision "aaa"' },
    { name: 'nothing deployed', deployments: [], want: 'no successful deployment of web is recorded' },
    { name: 'only one revision ever', deployments: [d(A, 'r2'), d(A, 'r1')], want: `web has no earlier successful deployment of another revision than ${A}` },
    { name: 'a sync is rolled back in Git', deployments: [d(B, 'r2', 'succeeded', 'trueup/sync'), d(A, 'r1', 'succeeded', 'trueup/sync')], want: `${A} reached web through trueup/sync: the environment follows its Git, so roll back with a revert commit there` },
  ];
  for (const c of cases) {
    const choice = chooseRollback('web', c.deployments, c.to);
    assert.equal(choice.ok ? choice.target.details.run : choice.reason, c.want, c.name);
  }
});
