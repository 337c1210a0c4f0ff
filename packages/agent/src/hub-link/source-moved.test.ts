import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applicationsToRefresh, type ReadingApplication } from './source-moved.ts';

const sha = 'a'.repeat(40);
const config = 'https://git.example/ops/config.git';
const apps: ReadingApplication[] = [
  { name: 'web', source: { repoURL: config, ref: 'main' }, revision: 'b'.repeat(40) },
  { name: 'there', source: { repoURL: 'https://user:pw@git.example/ops/config', ref: 'main' }, revision: sha },
  { name: 'dev', source: { repoURL: config, ref: 'dev' }, revision: undefined },
  { name: 'head', source: { repoURL: config, ref: 'HEAD' }, revision: undefined },
  { name: 'chart', source: { repoURL: 'https://charts.example', ref: '1.2.3', chart: 'nginx', refSources: [{ repoURL: config, ref: 'main' }] }, revision: '1.2.3' },
  { name: 'other', source: { repoURL: 'https://git.example/ops/other.git', ref: 'main' }, revision: undefined },
];

test('which applications a source-moved refreshes', async (t) => {
  const cases: { name: string; moved: Parameters<typeof applicationsToRefresh>[1]; want: string[] }[] = [
    { name: 'the source and the $values ref source on that ref; one already at the revision is left', moved: { repoURL: config, ref: 'refs/heads/main', revision: sha }, want: ['web', 'chart'] },
    { name: 'without a revision every reader refreshes', moved: { repoURL: `${config}/`, ref: 'main' }, want: ['web', 'there', 'chart'] },
    { name: 'HEAD follows the default branch when the hub knows it', moved: { repoURL: config, ref: 'refs/heads/dev', defaultBranch: 'dev' }, want: ['dev', 'head'] },
    { name: 'another repository: none', moved: { repoURL: 'https://git.example/ops/third.git', ref: 'main' }, want: [] },
  ];
  for (const c of cases) await t.test(c.name, () => assert.deepEqual(applicationsToRefresh(apps, c.moved), c.want));
});
