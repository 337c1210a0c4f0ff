/**
 * `node bench/matrix-256.ts [--runners 8] [--runs 3]`: a 256-job matrix (16 × 16, one `run: true`
 * step each) dispatched on a real hub (`trueup hub`, its own process, SQLite) and run by N real
 * `trueup runner` processes (capacity 1, the real executor with bubblewrap where it works), timed
 * from the dispatch request until the run is recorded finished. The anchor, measured in the same
 * run on the same machine: the same workflow run by `trueup run --parallel 1` (the runner's own
 * executor, in one process, no hub, one job after another).
 *
 * Printed: trigger → all done (median, min–max), the jobs' own time summed, scheduling overhead
 * per job ((wall × N − the jobs' own time) ÷ 256: what the hub adds to each job's runner time
 * beyond running it), the hub's VmRSS after the runs and its VmHWM, and the ratio of the anchor's
 * wall time to the hub's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HubClient } from '@trueup/hub';
import { createWorkRepo } from '@trueup/testkit';
import { summarize } from './stats.ts';

const { values } = parseArgs({ options: { runners: { type: 'string', default: '8' }, runs: { type: 'string', default: '3' } } });
const RUNNERS = Number(values.runners);
const RUNS = Number(values.runs);
const MAIN = join(import.meta.dirname, '..', 'packages', 'cli', 'src', 'main.js');
const NODE = process.execPath;

const dir = await mkdtemp(join(tmpdir(), 'trueup-bench-matrix-'));
const children: ChildProcess[] = [];
const start = (args: string[]): ChildProcess => {
  const child = spawn(NODE, [MAIN, ...args], { stdio: ['ignore', 'ignore', 'ignore'] });
  children.push(child);
  return child;
};
const run = (args: string[], cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> => new Promise((resolve) => {
  const child = spawn(NODE, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(cwd === undefined ? {} : { cwd }) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.once('close', (code) => resolve({ code, stdout, stderr }));
});
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

try {
  const repo = await createWorkRepo(join(dir, 'repo'));
  const values16 = `[${Array.from({ length: 16 }, (_, i) => i).join(', ')}]`;
  await repo.write({
    '.trueup/workflows/matrix.yml': `on: workflow_dispatch
jobs:
  m:
    runs-on: linux
    strategy:
      matrix: { a: ${values16}, b: ${values16} }
    steps:
      - run: true
`,
  });
  await repo.commit('matrix');

  const hubDir = join(dir, 'hub');
  const hub = start(['hub', '--data-dir', hubDir, '--listen', '127.0.0.1:0']);
  while (!existsSync(join(hubDir, 'hub.json'))) await sleep(50);
  const info = JSON.parse(await readFile(join(hubDir, 'hub.json'), 'utf8')) as { url: string; caCertFile: string; adminTokenFile: string };
  const client = new HubClient({ url: info.url, token: (await readFile(info.adminTokenFile, 'utf8')).trim(), ca: await readFile(info.caCertFile, 'utf8') });
  for (let i = 0; i < RUNNERS; i += 1) {
    const { token } = await client.post<{ token: string }>('/api/v1/runner-tokens', { ttl: '10m' });
    await writeFile(join(dir, `t${i}`), token);
    start(['runner', '--join', join(dir, `t${i}`), '--labels', 'linux', '--work-dir', join(dir, `r${i}`), '--name', `r${i}`]);
  }
  while ((await client.get<{ items: { connected: boolean }[] }>('/api/v1/runners')).items.filter((r) => r.connected).length < RUNNERS) await sleep(100);

  const memory = async (): Promise<{ rss: number; hwm: number }> => {
    const status = await readFile(`/proc/${hub.pid ?? 0}/status`, 'utf8');
    const kib = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 'NaN');
    return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
  };
  const idle = await memory();
  const walls: number[] = [];
  const own: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const started = performance.now();
    const { id } = await client.post<{ id: string }>('/api/v1/runs', { repository: repo.dir, workflow: 'matrix', ref: 'main', inputs: {} });
    let view: { status: string; conclusion: string | null; jobs: { startedAt: string | null; finishedAt: string | null; conclusion: string | null }[] };
    for (;;) {
      view = await client.get(`/api/v1/runs/${id}`);
      if (view.status === 'completed') break;
      await sleep(100);
    }
    walls.push(performance.now() - started);
    if (view.conclusion !== 'success' || view.jobs.length !== 256) throw new Error(`run ${id}: ${view.conclusion ?? ''} with ${view.jobs.length} jobs`);
    own.push(view.jobs.reduce((sum, job) => sum + (Date.parse(job.finishedAt ?? '') - Date.parse(job.startedAt ?? '')), 0));
  }
  const after = await memory();

  const anchors: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const started = performance.now();
    const local = await run(['run', 'matrix', '--event', 'workflow_dispatch', '--parallel', '1', '-o', 'json'], repo.dir);
    if (local.code !== 0) throw new Error(`trueup run: ${local.stderr.slice(-2000)}`);
    anchors.push(performance.now() - started);
  }

  const hubWall = summarize(walls);
  const anchor = summarize(anchors);
  const ownTime = summarize(own);
  const overhead = summarize(walls.map((wall, i) => (wall * RUNNERS - (own[i] ?? 0)) / 256));
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  process.stdout.write(`| Measured | Runs | Median | Spread (min–max) |\n| --- | ---: | ---: | --- |\n`);
  process.stdout.write(`| 256-job matrix, dispatch → all done, hub + ${RUNNERS} runners | ${RUNS} | ${s(hubWall.median)} | ${s(hubWall.min)} – ${s(hubWall.max)} |\n`);
  process.stdout.write(`| Anchor: the same workflow by \`trueup run --parallel 1\` (no hub) | ${RUNS} | ${s(anchor.median)} | ${s(anchor.min)} – ${s(anchor.max)} |\n`);
  process.stdout.write(`| Jobs' own time (started → finished on the runner), summed over 256 | ${RUNS} | ${s(ownTime.median)} | ${s(ownTime.min)} – ${s(ownTime.max)} |\n`);
  process.stdout.write(`| Scheduling overhead per job: (wall × ${RUNNERS} − jobs' own time) ÷ 256 | ${RUNS} | ${overhead.median.toFixed(1)} ms | ${overhead.min.toFixed(1)} – ${overhead.max.toFixed(1)} ms |\n`);
  process.stdout.write(`\nHub memory: VmRSS ${idle.rss.toFixed(1)} MiB idle with ${RUNNERS} runners linked; after ${RUNS} runs VmRSS ${after.rss.toFixed(1)} MiB, VmHWM ${after.hwm.toFixed(1)} MiB. Ratio anchor ÷ hub (median wall): ${(anchor.median / hubWall.median).toFixed(2)}× with ${RUNNERS} runners.\n`);
} finally {
  for (const child of children) child.kill('SIGTERM');
  await sleep(1500);
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}
