/**
 * `node bench/gitops-handoff.ts [--runs N] [--window MS]`: 20 concurrent hand-offs (one value
 * each) to one branch of a repository served over smart HTTP on loopback, through the
 * one-writer-per-branch queue, against the peer: 20 independent writers each fetching, committing
 * and pushing (retrying on a race), as CI jobs without a queue do. Prints a markdown table: total
 * time until every hand-off is pushed, and commits made, median and spread over the runs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BranchWriter, setInRepo } from '@trueup/gitops';
import { createServedRepo, createWorkRepo, runTestGit, startGitHttpServer } from '@trueup/testkit';
import { describeMachine } from './machine.ts';
import { renderTable, type Row } from './table.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' }, window: { type: 'string', default: '1000' }, 'peer-runs': { type: 'string', default: '5' } }, strict: true });
const runs = Number(values.runs);
const peerRuns = Number(values['peer-runs']);
const windowMs = Number(values.window);
const HANDOFFS = 20;
const keys = Array.from({ length: HANDOFFS }, (_, index) => `service${index}`);

const dir = await mkdtemp(join(tmpdir(), 'trueup-bench-gitops-'));
const bare = await createServedRepo(join(dir, 'served'), 'config.git');
const work = await createWorkRepo(join(dir, 'work'));
await work.write({ 'values.yaml': `# one image tag per service\n${keys.map((key) => `${key}:\n  image:\n    tag: "0"   # set by CI\n`).join('')}` });
await work.commit('initial');
await work.push(bare);
const server = await startGitHttpServer({ root: join(dir, 'served') });
const url = server.url('config.git');
const commitsSince = async (from: string) => Number(await runTestGit(bare, ['rev-list', '--count', `${from}..main`]));
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

const queueTimes: number[] = [];
const queueCommits: number[] = [];
const writer = new BranchWriter({ target: { repoURL: url, ref: 'main' }, dir: join(dir, 'writer'), windowMs });
let failures = 0;
for (let run = 1; run <= runs; run += 1) {
  const before = await runTestGit(bare, ['rev-parse', 'main']);
  const started = performance.now();
  const results = await Promise.allSettled(keys.map((key) => writer.submit({ edits: [{ file: 'values.yaml', key: `${key}.image.tag`, value: `q${run}` }], origin: { source: 'bench', run: key } })));
  queueTimes.push(performance.now() - started);
  failures += results.filter((result) => result.status === 'rejected').length;
  queueCommits.push(await commitsSince(before));
  log(`queue run ${run}: ${Math.round(queueTimes.at(-1) ?? 0)} ms, ${queueCommits.at(-1)} commits`);
}
await writer.close();

const peerTimes: number[] = [];
const peerCommits: number[] = [];
for (let run = 1; run <= peerRuns; run += 1) {
  const before = await runTestGit(bare, ['rev-parse', 'main']);
  const started = performance.now();
  const results = await Promise.allSettled(keys.map((key) => setInRepo({ repoURL: url, ref: 'main' }, [{ file: 'values.yaml', key: `${key}.image.tag`, value: `p${run}` }], { origin: { source: 'bench', run: key } })));
  peerTimes.push(performance.now() - started);
  failures += results.filter((result) => result.status === 'rejected').length;
  peerCommits.push(await commitsSince(before));
  log(`peer run ${run}: ${Math.round(peerTimes.at(-1) ?? 0)} ms, ${peerCommits.at(-1)} commits`);
}
await server.close();
await rm(dir, { recursive: true, force: true });

const on = `${HANDOFFS} concurrent hand-offs, one branch, git http-backend on 127.0.0.1`;
const rows: Row[] = [
  { id: 'queue-time', measured: `20 hand-offs through the branch writer (window ${windowMs} ms): submit → all pushed`, on, unit: 'ms', samples: queueTimes, spread: 'min–max', targets: [{ kind: 'atMost', stat: 'median', value: 5000 }], peer: 'peer-time' },
  { id: 'peer-time', measured: '20 independent `gitops set` writers (fetch, commit, push, retry on a race): all pushed', on, unit: 'ms', samples: peerTimes, spread: 'min–max', peerNote: 'peer' },
];
const { markdown } = renderTable(rows);
const range = (xs: number[]) => `${Math.min(...xs)}–${Math.max(...xs)}`;
process.stdout.write(`${describeMachine().join('\n')}\n\n${markdown}\nCommits per run: queue ${range(queueCommits)} (target ≤ 2), peer ${range(peerCommits)}; failed hand-offs: ${failures}.\n`);
if (failures > 0) process.exitCode = 1;
