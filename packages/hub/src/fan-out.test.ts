import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planFanOut, type FanOutPlan } from './fan-out.ts';

const f = (environment: string, name: string): { environment: string; name: string } => ({ environment, name });

test('which followers of a push get a frame, a command, or nothing until their agent links again', async (t) => {
  const followers = [f('a', 'web'), f('a', 'api'), f('b', 'web'), f('c', 'web'), f('d', 'web'), f('d', 'api')];
  const cases: { name: string; here: string[]; away: string[]; want: FanOutPlan }[] = [
    { name: 'linked here and announced: one frame per environment', here: ['a', 'b', 'c', 'd'], away: [], want: { frames: ['a', 'b', 'c', 'd'], commands: [], away: [] } },
    { name: 'not announced, or linked to another replica: a command per application', here: ['a'], away: [], want: { frames: ['a'], commands: [f('b', 'web'), f('c', 'web'), f('d', 'web'), f('d', 'api')], away: [] } },
    { name: 'linked nowhere, announced at its last hello: nothing stored, it catches up', here: ['b'], away: ['a', 'd'], want: { frames: ['b'], commands: [f('c', 'web')], away: [f('a', 'web'), f('a', 'api'), f('d', 'web'), f('d', 'api')] } },
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.deepEqual(planFanOut(followers, (e) => c.here.includes(e), (e) => c.away.includes(e)), c.want));
  }
});
