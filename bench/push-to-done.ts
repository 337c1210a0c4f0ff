/**
 * `node bench/push-to-done.ts [--runs 10]`: a 3-job workflow (build → test → deploy, each one
 * `run: true` step) from the git webhook to its last step finished, through a real hub (HTTPS,
 * SQLite, a tracked repository's mirror) and one runner linked over TLS running the real
 * executor (fresh workspace, clone of the commit, bubblewrap where it works). The steps' own
 * time is that of `true`, so the total is the overhead.
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
import { summarize } from './stats.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const RUNS = Number(values.runs);
const dir = await mkdtemp(join(tmpdir(), 'trueup-bench-push-'));
const hub = await startHub({ dataDir: join(dir, 'hub'), listen: '127.0.0.1:0', log: () => undefined, pipelinePollMs: 3_600_000 });
const admin = new HubClient({ url: hub.url, token: (await readFile(hub.info.adminTokenFile, 'utf8')).trim(), ca: hub.tls.ca });
const hook = new HubClient({ url: hub.url, token: (await readFile(join(dir, 'hub', 'webhook.secret'), 'utf8')).trim(), ca: hub.tls.ca });
const repo = await createWorkRepo(join(dir, 'repo'));
await repo.write({ '.trueup/workflows/ci.yml': 'on: push\njobs:\n  build:\n    runs-on: linux\n    steps:\n      - run: "true"\n  test:\n    needs: build\n    runs-on: linux\n    steps:\n      - run: "true"\n  deploy:\n    needs: test\n    runs-on: linux\n    steps:\n      - run: "true"\n' });
await repo.commit('ci');
await admin.post('/api/v1/repos', { url: repo.dir });
const { token } = await admin.post<{ token: string }>('/api/v1/runner-tokens', {});
await writeFile(join(dir, 'token'), token);
const credential = await joinRunner(join(dir, 'runner'), join(dir, 'token'), 'bench');
const runner = new RunnerLinkClient({
  hubUrl: credential.hubUrl, ca: credential.ca, credential: credential.credential, version: 'bench', labels: ['linux'], capacity: 2,
  runJob: (offer, handle) => {
    const spec = offer.spec as unknown as JobSpec;
    return runJob(spec, { workRoot: join(dir, 'runner', 'jobs'), checkout: new RemoteRepoSource(offer.repository.url, offer.repository.sha), artifacts: new LocalArtifactStore(join(dir, 'runner', 'artifacts')), signal: handle.signal }, (event) => handle.emit(event));
  },
});
runner.start();
while (hub.runners.linked().length < 1) await new Promise((resolve) => setTimeout(resolve, 20));

const samples: number[] = [];
for (let i = 0; i < RUNS; i += 1) {
  await repo.write({ 'n.txt': `${i}\n` });
  const sha = await repo.commit(`c${i}`);
  const started = performance.now();
  await hook.post('/api/v1/webhooks/git', { repoURL: repo.dir, ref: 'refs/heads/main' });
  for (;;) {
    const run = (await hub.store.runs.list(5)).find((r) => r.sha === sha);
    if (run?.status === 'completed') {
      if (run.conclusion !== 'success') throw new Error(`run ${run.id} ended ${run.conclusion ?? ''}`);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  samples.push(performance.now() - started);
}
await runner.stop();
await hub.stop();
await rm(dir, { recursive: true, force: true });
const s = summarize(samples);
const ms = (value: number): string => `${value.toFixed(0)} ms`;
process.stdout.write(`| 3-job \`needs\` workflow: push webhook → last step finished (3 × \`run: true\`) | ${s.n} | ${ms(s.median)} | ${ms(s.min)} – ${ms(s.max)} (min–max) | ≤ 2 s of overhead | ${s.median <= 2000 ? 'met' : '**MISSED**'} |\n`);
