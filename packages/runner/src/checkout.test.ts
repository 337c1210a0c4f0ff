import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gitIn, recordRun, workflowRepo } from './testing.ts';

test('actions/checkout: the run\'s commit by default, another ref of the repository when asked, a clear error for none', async (t) => {
  const repo = workflowRepo(`on: push
jobs:
  a:
    runs-on: self-hosted
    steps:
      - id: here
        uses: actions/checkout@v4
      - id: old
        uses: actions/checkout@v4
        with: { ref: v1, path: old }
      - run: |
          test "$(cat version.txt)" = two
          test "$(cat old/version.txt)" = one
          test "$(git rev-parse HEAD)" = "\${{ steps.here.outputs.commit }}"
          test "$(git -C old rev-parse HEAD)" = "\${{ steps.old.outputs.commit }}"
      - id: missing
        continue-on-error: true
        uses: actions/checkout@v4
        with: { ref: no-such-ref, path: none }
`, { 'version.txt': 'one\n' });
  t.after(repo.cleanup);
  gitIn(repo.dir, 'tag', 'v1');
  writeFileSync(join(repo.dir, 'version.txt'), 'two\n');
  gitIn(repo.dir, 'commit', '-qam', 'two');
  const recorded = await recordRun({ repoDir: repo.dir, event: 'push', inputs: {} });
  const log = recorded.logs.get('a') ?? '';
  assert.equal(recorded.run.result.conclusion, 'success', log);
  const steps = recorded.run.result.jobs[0]?.result?.steps ?? [];
  assert.equal(steps.find((s) => s.id === 'here')?.outputs.commit, gitIn(repo.dir, 'rev-parse', 'HEAD'));
  assert.equal(steps.find((s) => s.id === 'old')?.outputs.commit, gitIn(repo.dir, 'rev-parse', 'v1^{commit}'));
  assert.equal(steps.find((s) => s.id === 'missing')?.outcome, 'failure');
  assert.match(log, /no branch, tag or commit "no-such-ref" in the repository/);
});
