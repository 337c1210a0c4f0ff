/** The agent's log lines: a drift names the field manager that made it, in JSON and on a terminal. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AgentEvent } from '@trueup/agent';
import { humanLine, jsonLine } from './event-log.ts';

const drift: AgentEvent = {
  type: 'drift-detected',
  application: 'web',
  revision: 'feba7d838eae077c706f714c22a9d01dcff8f356',
  pass: 1,
  key: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
  source: 'watch',
  fields: ['spec.replicas'],
  changedBy: 'kubectl-scale',
};

test('a drift line names the object, the fields and who changed them', () => {
  const json = jsonLine(drift);
  assert.deepEqual({ ...json, time: undefined }, {
    time: undefined, level: 'info', application: 'web', revision: drift.revision, pass: 1, event: 'drift-detected',
    object: 'Deployment/shop/web', source: 'watch', fields: ['spec.replicas'], changedBy: 'kubectl-scale',
  });
  assert.match(humanLine(drift) ?? '', /web: .*drift.* Deployment\/shop\/web \(spec\.replicas\) via watch, changed by kubectl-scale$/);
  const { changedBy: _unknown, ...byNobody } = drift;
  assert.equal('changedBy' in jsonLine(byNobody as AgentEvent), false);
  assert.match(humanLine(byNobody) ?? '', /via watch$/);
});
