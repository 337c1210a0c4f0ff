import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordRun, stepOutcomes, workflowRepo } from './testing.ts';

test('artifacts: folders and globs keep their paths below the common folder; exclusions, missing files and duplicate names', async (t) => {
  const repo = workflowRepo(`on: push
jobs:
  make:
    runs-on: self-hosted
    steps:
      - run: |
          mkdir -p out/bin out/docs out/tmp
          echo tool > out/bin/tool
          echo readme > out/docs/README
          echo scratch > out/tmp/scratch.log
          echo top > out/top.txt
      - uses: actions/upload-artifact@v4
        with:
          name: bundle
          path: |
            out/**
            !out/tmp/**
      - id: empty
        continue-on-error: true
        uses: actions/upload-artifact@v4
        with: { name: nothing, path: no/such/files, if-no-files-found: error }
      - uses: actions/upload-artifact@v4
        with: { name: nothing-either, path: no/such/files }
      - id: again
        continue-on-error: true
        uses: actions/upload-artifact@v4
        with: { name: bundle, path: out/top.txt }
  use:
    needs: make
    runs-on: self-hosted
    steps:
      - uses: actions/download-artifact@v4
        with: { name: bundle, path: got }
      - run: |
          test "$(cat got/bin/tool)" = tool
          test "$(cat got/docs/README)" = readme
          test "$(cat got/top.txt)" = top
          test ! -e got/tmp/scratch.log
      - uses: actions/download-artifact@v4
        with: { path: all }
      - run: test -f all/bundle/bin/tool
      - id: unknown
        continue-on-error: true
        uses: actions/download-artifact@v4
        with: { name: nosuch }
`);
  t.after(repo.cleanup);
  const recorded = await recordRun({ repoDir: repo.dir, event: 'push', inputs: {} });
  const logs = [...recorded.logs.values()].join('\n');
  assert.equal(recorded.run.result.conclusion, 'success', logs);
  assert.deepEqual(stepOutcomes(recorded, 'make'), ['__1:success', '__2:success', 'empty:success', '__4:success', 'again:success']);
  const make = recorded.run.result.jobs.find((job) => job.id === 'make')?.result?.steps;
  assert.equal(make?.find((s) => s.id === 'empty')?.outcome, 'failure');
  assert.equal(make?.find((s) => s.id === 'again')?.outcome, 'failure');
  assert.match(logs, /no files were found with no\/such\/files/);
  assert.match(logs, /::warning::actions\/upload-artifact: no files were found/);
  assert.match(logs, /an artifact named "bundle" exists already/);
  assert.match(logs, /no artifact named "nosuch" in this run; there are: bundle/);
  assert.match(logs, /artifact "bundle": 3 files/);
});
