import assert from 'node:assert/strict';
import { test } from 'node:test';
import { visibleKeyRanges } from './visible-ranges.ts';
import type { Scope, Visibility } from './visibility.ts';

const scope = (environments: string[], applications: string[], labels: Record<string, string> = {}): Scope => ({ environments, applications, labels });

test('visibleKeyRanges: disjoint ranges in key order, or undefined when the visibility is more than ranges', () => {
  const cases: { name: string; visibility: Visibility; want: [string, string, string][] | undefined }[] = [
    { name: 'everything is not ranges', visibility: 'all', want: undefined },
    { name: 'nothing visible', visibility: [], want: [] },
    { name: 'an exact name', visibility: [scope(['prod'], ['web'])], want: [['prod', 'web', 'web\u0001']] },
    { name: 'a prefix', visibility: [scope(['prod'], ['pay*'])], want: [['prod', 'pay', 'paz']] },
    { name: 'a name inside a prefix is read once', visibility: [scope(['prod'], ['web']), scope(['prod'], ['we*'])], want: [['prod', 'we', 'wf']] },
    { name: 'touching ranges merge; other environments stay apart', visibility: [scope(['b', 'a'], ['x*', 'y*'])], want: [['a', 'x', 'z'], ['b', 'x', 'z']] },
    { name: 'disjoint ranges keep their order', visibility: [scope(['prod'], ['z*', 'a*'])], want: [['prod', 'a', 'b'], ['prod', 'z', '{']] },
    { name: 'a whole environment', visibility: [scope(['prod'], ['*'])], want: undefined },
    { name: 'a wildcard environment', visibility: [scope(['prod-*'], ['web'])], want: undefined },
    { name: 'a glob that is not a prefix', visibility: [scope(['prod'], ['w?b'])], want: undefined },
    { name: 'labels', visibility: [scope(['prod'], ['web'], { tier: 'prod' })], want: undefined },
    { name: 'a name beyond ASCII (byte order is not compared here)', visibility: [scope(['prod'], ['wéb'])], want: undefined },
  ];
  for (const { name, visibility, want } of cases) {
    assert.deepEqual(visibleKeyRanges(visibility)?.map((r) => [r.environment, r.low, r.high]), want, name);
  }
});
