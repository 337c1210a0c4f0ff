/**
 * `node bench/runner-dispatch.ts [--runners 50] [--jobs 300]`: queue → a runner started the job,
 * with N runners linked to a real hub (HTTPS, WebSocket over TLS, SQLite) — simulated in this
 * process with the real runner link client, each joined with its own runner token. A job
 * counts as started when the hub receives the runner's `accepted`. Jobs are queued one at a
 * time, 0–20 ms apart, so each sample is one dispatch; then a burst of one job per runner.
 * The peer figure is GitLab's default runner poll interval, 3 s (a job waits up to one interval).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HubClient, startHub } from '@trueup/hub';
import { joinRunner, RunnerLinkClient } from '@trueup/link';
import { summarize } from './stats.ts';

const { values } = parseArgs({ options: { runners: { type: 'string', default: '50' }, jobs: { type: 'string', default: '300' } } });
const RUNNERS = Number(values.runners);
const JOBS = Number(values.jobs);
const GITLAB_POLL_MS = 3000;

const dir = await mkdtemp(join(tmpdir(), 'trueup-bench-runners-'));
const hub = await startHub({ dataDir: join(dir, 'hub'), listen: '127.0.0.1:0', log: () => undefined });
const client = new HubClient({ url: hub.url, token: (await readFile(hub.info.adminTokenFile, 'utf8')).trim(), ca: hub.tls.ca });
const clients: RunnerLinkClient[] = [];
const release = new Map<string, () => void>();
for (let i = 0; i < RUNNERS; i += 1) {
  const { token } = await client.post<{ token: string }>('/api/v1/runner-tokens', { ttl: '10m' });
  await writeFile(join(dir, `t${i}`), token);
  const credential = await joinRunner(join(dir, `r${i}`), join(dir, `t${i}`), `r${i}`);
  const runner = new RunnerLinkClient({
    hubUrl: credential.hubUrl, ca: credential.ca, credential: credential.credential, version: 'bench', labels: ['linux'], capacity: 1,
    // The job "runs" until the bench lets it end, so a runner is busy like a real one.
    runJob: (offer) => new Promise((resolve) => release.set(offer.job, () => resolve({ conclusion: 'success', outputs: {}, steps: [], summary: '', durationMs: 0, logTruncated: false }))),
  });
  runner.start();
  clients.push(runner);
}
while (hub.runners.linked().length < RUNNERS) await new Promise((resolve) => setTimeout(resolve, 50));

const offer = (job: string): { job: string; spec: Record<string, unknown>; repository: { url: string; sha: string } } => ({ job, spec: { jobId: job }, repository: { url: 'file:///nowhere', sha: '0'.repeat(40) } });
async function queueOne(job: string): Promise<number> {
  const queued = performance.now();
  let started = 0;
  const done = hub.runners.run({ key: job, labels: ['linux'], environment: undefined, offer: offer(job), onEvent: () => undefined, onRequeued: () => undefined, onStarted: () => { started = performance.now(); release.get(job)?.(); } });
  await done;
  return started - queued;
}

const sequential: number[] = [];
for (let i = 0; i < JOBS; i += 1) {
  sequential.push(await queueOne(`seq-${i}`));
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
}
const burst = await Promise.all(Array.from({ length: RUNNERS }, (_, i) => queueOne(`burst-${i}`)));

for (const runner of clients) await runner.stop();
await hub.stop();
await rm(dir, { recursive: true, force: true });

const ms = (value: number): string => `${value.toFixed(1)} ms`;
for (const [name, samples] of [['one at a time', sequential], [`burst of ${RUNNERS}`, burst]] as const) {
  const s = summarize(samples);
  process.stdout.write(`| Queue → runner started, ${name} (${RUNNERS} runners linked) | ${s.n} | ${ms(s.median)} | ${ms(s.p10)} – ${ms(s.p90)} | ${ms(s.p99)} | p50 ≤ 100 ms; p99 ≤ 500 ms | ${s.median <= 100 && s.p99 <= 500 ? 'met' : '**MISSED**'} | ${Math.round(GITLAB_POLL_MS / s.median)}× (GitLab poll interval 3 s) |\n`);
}
