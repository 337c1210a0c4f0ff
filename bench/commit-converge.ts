/**
 * Commit → converged after refresh: change files in Git, commit, push to the served repository,
 * then time `agent.refresh` until the application is Synced at the new revision.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startAgent } from '@trueup/agent';
import { AgentEvents } from './agent-events.ts';
import type { BenchContext } from './context.ts';
import { createFilesApp, type FilesApp } from './files-app.ts';
import { fileContent } from './repo-fixture.ts';
import type { Row } from './table.ts';

const FILES = 100;

interface Variant {
  id: string;
  label: string;
  /** Indexes of the files a trial changes. */
  changed(trial: number): number[];
}

const VARIANTS: Variant[] = [
  { id: 'commit-one', label: '1 of 100 files changed per commit', changed: (trial) => [trial % FILES] },
  { id: 'commit-all', label: 'all 100 files changed per commit', changed: () => Array.from({ length: FILES }, (_, i) => i) },
];

export async function benchCommitConverge(ctx: BenchContext): Promise<Row[]> {
  const trials = ctx.quick ? 5 : 20;
  const app = await createFilesApp(join(ctx.dir, 'commit'), 'commit', FILES);
  const events = new AgentEvents();
  const agent = await startAgent({ stateDir: app.stateDir, paths: [app.appFile], onEvent: events.listener });
  const rows: Row[] = [];
  try {
    await events.first((e) => e.type === 'pass-finished');
    let version = 0;
    for (const variant of VARIANTS) {
      const refresh: number[] = [];
      const total: number[] = [];
      for (let trial = 0; trial < trials; trial++) {
        version++;
        const indexes = variant.changed(trial);
        const tCommit = performance.now();
        const sha = await app.repo.commitAndPush(Object.fromEntries(indexes.map((i) => [app.repoPath(app.files[i] ?? fail()), fileContent(i, version)])), `trial ${version}`);
        const t0 = performance.now();
        const status = await agent.refresh(app.name);
        const t1 = performance.now();
        if (status?.revision !== sha || status.sync !== 'Synced' || status.appliedRevision !== sha) {
          throw new Error(`commit: not converged to ${sha}: ${JSON.stringify({ revision: status?.revision, applied: status?.appliedRevision, sync: status?.sync, error: status?.error })}`);
        }
        await expectContent(app, indexes, version);
        refresh.push(t1 - t0);
        total.push(t1 - tCommit);
        ctx.log(`${variant.id} ${trial + 1}/${trials}: refresh ${(t1 - t0).toFixed(0)} ms, commit+push+refresh ${(t1 - tCommit).toFixed(0)} ms`);
      }
      rows.push({
        id: `${variant.id}-refresh`,
        measured: `Commit → converged: \`agent.refresh\` until Synced at the new commit (${variant.label})`,
        on: `agent in-process, ${FILES}-file application, file:// repository`,
        unit: 'ms', samples: refresh, spread: 'p10–p90',
        targets: [{ kind: 'atMost', stat: 'median', value: 1000 }],
        peerNote: 'n/a (see first converge below for ansible-pull)',
      }, {
        id: `${variant.id}-total`,
        measured: `Commit + push + refresh, total (${variant.label})`,
        on: `same; git commit and push to the served bare repository included`,
        unit: 'ms', samples: total, spread: 'p10–p90',
        peerNote: '—',
      });
    }
  } finally {
    await agent.stop({ stopServices: true });
  }
  return rows;
}

async function expectContent(app: FilesApp, indexes: readonly number[], version: number): Promise<void> {
  for (const i of [indexes[0], indexes.at(-1)]) {
    if (i === undefined) continue;
    const got = await readFile(app.hostPath(app.files[i] ?? fail()), 'utf8');
    if (got !== fileContent(i, version)) throw new Error(`commit: file ${i} does not hold version ${version}`);
  }
}

function fail(): never {
  throw new Error('no such file');
}
