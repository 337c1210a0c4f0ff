import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planFanOut, type FanOutPlan, type Reach } from './fan-out.ts';

const f = (environment: string, name: string): { environment: string; name: string } => ({ environment, name });

test('which followers of a push get a frame, a command, or nothing until their agent links again', async (t) => {
  const followers = [f('a', 'web'), f('a', 'api'), f('b', 'web'), f('c', 'web'), f('d', 'web'), f('d', 'api')];
  const cases: { name: string; reach: Record<string, Reach>; want: FanOutPlan }[] = [
    { name: 'linked here and announced: one frame per environment', reach: { a: 'here', b: 'here', c: 'here', d: 'here' }, want: { frames: ['a', 'b', 'c', 'd'], signalled: [], commands: [], away: [] } },
    { name: 'not announced: a command per application', reach: { a: 'here' }, want: { frames: ['a'], signalled: [], commands: [f('b', 'web'), f('c', 'web'), f('d', 'web'), f('d', 'api')], away: [] } },
    { name: 'linked to another replica and announced: told through the signal, once per environment', reach: { a: 'elsewhere', b: 'here', d: 'elsewhere' }, want: { frames: ['b'], signalled: ['a', 'd'], commands: [f('c', 'web')], away: [] } },
    { name: 'linked nowhere, announced at its last hello: nothing stored, it catches up', reach: { b: 'here', a: 'away', d: 'away' }, want: { frames: ['b'], signalled: [], commands: [f('c', 'web')], away: [f('a', 'web'), f('a', 'api'), f('d', 'web'), f('d', 'api')] } },
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.deepEqual(planFanOut(followers, (e) => c.reach[e] ?? 'command'), c.want));
  }
});
