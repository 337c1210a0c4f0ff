/**
 * `node bench/job-log-throughput.ts [--lines 100000] [--runs 5] [--postgres]`: how
 * many lines a step can print through the runner → the hub → the store. A real hub (HTTPS;
 * SQLite, or a PostgreSQL started for the run with --postgres) and one runner linked over TLS running the real
 * executor (output read line by line, masked, capped, sent as log events; the hub writes them
 * to the store in chunks). A sample is one job's printing step, from its start as the hub
 * recorded it to the job shown ended — which is after its whole log is in the store. The peer,
 * measured in the same run and alternated with it, is the same step writing the same lines to
 * a file in its workspace instead.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { JobSpec } from '@trueup/api';
import { HubClient, startHub } from '@trueup/hub';
import { joinRunner, RunnerLinkClient } from '@trueup/link';
import { LocalArtifactStore, RemoteRepoSource, runJob } from '@trueup/runner';
import { createWorkRepo } from '@trueup/testkit';
import { startPostgres } from '@trueup/testkit/postgres';
import { summarize } from './stats.ts';

const { values } = parseArgs({ options: { lines: { type: 'string', default: '100000' }, runs: { type: 'string', default: '5' }, postgres: { type: 'boolean', default: false } } });
const LINES = Number(values.lines);
const RUNS = Number(values.runs);
const dir = await mkdtemp(join(tmpdir(), 'trueup-bench-logs-'));
const pg = values.postgres ? await startPostgres() : undefined;
const database = await pg?.createDatabase('bench_logs');
const hub = await startHub({ dataDir: join(dir, 'hub'), listen: '127.0.0.1:0', log: () => undefined, pipelinePollMs: 3_600_000, ...(database === undefined ? {} : { database }) });
const admin = new HubClient({ url: hub.url, token: (await readFile(hub.info.adminTokenFile, 'utf8')).trim(), ca: hub.tls.ca });
const repo = await createWorkRepo(join(dir, 'repo'));
const print = `seq 1 ${LINES} | sed 's/^/line of the log number /'`;
const job = (command: string): string => `on: workflow_dispatch\njobs:\n  talk:\n    runs-on: linux\n    steps:\n      - run: ${command}\n`;
await repo.write({ '.trueup/workflows/log.yml': job(print), '.trueup/workflows/file.yml': job(`${print} > lines.txt`) });
await repo.commit('bench');
const { token } = await admin.post<{ token: string }>('/api/v1/runner-tokens', {});
await writeFile(join(dir, 'token'), token);
const credential = await joinRunner(join(dir, 'runner'), join(dir, 'token'), 'bench');
const runner = new RunnerLinkClient({
  hubUrl: credential.hubUrl, ca: credential.ca, credential: credential.credential, version: 'bench', labels: ['linux'], capacity: 1,
  runJob: (offer, handle) => {
    const spec = offer.spec as unknown as JobSpec;
    return runJob(spec, { workRoot: join(dir, 'runner', 'jobs'), checkout: new RemoteRepoSource(offer.repository.url, offer.repository.sha), artifacts: new LocalArtifactStore(join(dir, 'runner', 'artifacts')), signal: handle.signal }, (event) => handle.emit(event));
  },
});
runner.start();
while (hub.runners.linked().length < 1) await new Promise((resolve) => setTimeout(resolve, 20));

/** Lines per second of one run of `workflow`'s printing step. */
async function once(workflow: 'log' | 'file'): Promise<number> {
  const { id } = await admin.post<{ id: string }>('/api/v1/runs', { repository: repo.dir, workflow, ref: 'main', inputs: {} });
  for (;;) {
    const run = await hub.store.runs.get(id);
    if (run?.status === 'completed') {
      if (run.conclusion !== 'success') throw new Error(`run ${id} ended ${run.conclusion ?? ''}`);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const [record] = await hub.store.runs.jobs(id);
  const startedAt = record?.steps[0]?.startedAt;
  if (record?.finishedAt === undefined || startedAt === undefined) throw new Error(`run ${id}: no times recorded`);
  if (workflow === 'log') {
    const text = await admin.get<string>(`/api/v1/runs/${id}/jobs/talk/log`);
    if (!text.includes(`line of the log number ${LINES}\n`)) throw new Error(`run ${id}: the stored log does not end with its last line`);
  }
  return LINES / ((record.finishedAt - startedAt) / 1000);
}

const logged: number[] = [];
const filed: number[] = [];
for (let i = 0; i < RUNS; i += 1) {
  logged.push(await once('log'));
  filed.push(await once('file'));
}
await runner.stop();
await hub.stop();
await pg?.stop();
await rm(dir, { recursive: true, force: true });

const rate = (value: number): string => `${Math.round(value).toLocaleString('en-US')} lines/s`;
const log = summarize(logged);
const file = summarize(filed);
const engine = pg === undefined ? 'SQLite' : 'PostgreSQL';
process.stdout.write(`| A step printing ${LINES.toLocaleString('en-US')} lines → runner → hub → store (${engine}) | ${log.n} | ${rate(log.median)} | ${rate(log.min)} – ${rate(log.max)} (min–max) | ${(log.median / file.median).toFixed(2)}× the peer |\n`);
process.stdout.write(`| Peer: the same step writing the lines to a file in its workspace | ${file.n} | ${rate(file.median)} | ${rate(file.min)} – ${rate(file.max)} (min–max) | 1× |\n`);
