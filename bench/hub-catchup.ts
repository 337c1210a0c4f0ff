/**
 * `node bench/hub-catchup.ts [--runs 10] [--apps 100] [--objects 100] [--changed 100] [--partition-seconds 0]`:
 * partition catch-up. One agent (the link package's client and the agent's SQLite outbox, as in
 * bench/fleet-sim.ts) reports `apps` applications of `objects` objects each (10,000) to a real
 * hub (HTTPS, SQLite, in this process) through a real HTTP CONNECT proxy. The proxy cuts the
 * link and refuses it; meanwhile `changed` objects drift (a drift event each, and the new status
 * of each application touched, queued in the outbox as the agent queues them: a partition of
 * ten minutes is simulated by queuing, `--partition-seconds 600` waits it for real). The link
 * comes back and the time runs from the new dial until the hub holds every application at the
 * agent's digest and every queued event (its acknowledged sequence number reaches the outbox's
 * last). Bytes are those the proxy carried from the agent after reconnecting, against the
 * changed statuses' JSON size. The anchor, measured in the same run, is the first report of all
 * 10,000 objects (a full resync, what a hub without per-application digests would move).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { statusDigest } from '@trueup/agent/hub-link';
import { HubClient, startHub } from '@trueup/hub';
import { startConnectProxy } from '@trueup/testkit/connect-proxy';
import { SimAgent, syntheticStatus, type SimApp } from './fleet-sim.ts';
import { percentile } from './stats.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    apps: { type: 'string', default: '100' },
    objects: { type: 'string', default: '100' },
    changed: { type: 'string', default: '100' },
    'partition-seconds': { type: 'string', default: '0' },
  },
});
const RUNS = Number(values.runs);
const APPS = Number(values.apps);
const OBJECTS = Number(values.objects);
const CHANGED = Number(values.changed);
const PARTITION_MS = Number(values['partition-seconds']) * 1000;
const PER_APP = 10;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const log = (message: string): void => void process.stderr.write(`[hub-catchup] ${message}\n`);
const ms = (x: number): string => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`);
const kib = (x: number): string => `${(x / 1024).toFixed(0)} KiB`;

const dir = await mkdtemp(join(tmpdir(), 'trueup-bench-catchup-'));
const hub = await startHub({ dataDir: join(dir, 'hub'), listen: '127.0.0.1:0', log: () => undefined, pollIntervalMs: 0 });
const proxy = await startConnectProxy();
const admin = new HubClient({ url: hub.url, token: (await readFile(hub.info.adminTokenFile, 'utf8')).trim(), ca: hub.tls.ca });
const apps: SimApp[] = Array.from({ length: APPS }, (_, i) => ({ name: `app-${String(i).padStart(3, '0')}`, repoURL: 'https://git.example.com/ops/config.git', ref: 'main', revision: 'a'.repeat(40) }));
const sim = new SimAgent({ environment: 'prod', dir: join(dir, 'agent'), apps, resources: OBJECTS });

/** The hub holds every application at the agent's digest and every event the outbox queued. */
async function consistent(lastSeq: number): Promise<boolean> {
  if ((await hub.store.environments.ackedSeq('prod')) < lastSeq) return false;
  const held = await hub.store.applications.digests('prod');
  return [...sim.statuses.values()].every((status) => held[status.name] === statusDigest(status));
}

async function until(fn: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error('the hub did not catch up within 120 s');
    await sleep(2);
  }
}

const lastSeq = (): number => sim.outbox.pending(0, 1_000_000).at(-1)?.seq ?? 0;
const rows: string[] = [];
try {
  const credential = await sim.join(admin);
  const firstAt = performance.now();
  const upBefore = proxy.bytes.up;
  sim.connect(credential, undefined, proxy.url);
  await until(() => consistent(0));
  const fullMs = performance.now() - firstAt;
  const fullBytes = proxy.bytes.up - upBefore;
  log(`first report of ${APPS * OBJECTS} objects: ${ms(fullMs)}, ${kib(fullBytes)}`);
  const samples: number[] = [];
  const bytes: number[] = [];
  let changedJson = 0;
  for (let run = 1; run <= RUNS; run++) {
    proxy.refuse(true);
    proxy.cut();
    await sleep(200);
    await sim.disconnect();
    // The partition: CHANGED objects drift across CHANGED / PER_APP applications.
    const touched = apps.slice(((run - 1) * (CHANGED / PER_APP)) % APPS).slice(0, CHANGED / PER_APP);
    changedJson = 0;
    for (const app of touched) {
      for (let k = 0; k < PER_APP; k++) {
        sim.outbox.append({ kind: 'drift', application: app.name, object: `v1/ConfigMap/default/${app.name}-object-${String(k).padStart(5, '0')}`, source: 'watch', fields: ['/data/replicas'], changedBy: 'kubectl-edit' });
        if (PARTITION_MS > 0) await sleep(PARTITION_MS / CHANGED);
      }
      const status = syntheticStatus(app, OBJECTS, PER_APP, `${String(run % 10)}${'b'.repeat(39)}`);
      changedJson += Buffer.byteLength(JSON.stringify(status));
      sim.report(status);
    }
    const target = lastSeq();
    proxy.refuse(false);
    const upAt = proxy.bytes.up;
    const started = performance.now();
    sim.connect(credential, undefined, proxy.url);
    await until(() => consistent(target));
    samples.push(performance.now() - started);
    bytes.push(proxy.bytes.up - upAt);
  }
  const p50 = percentile(samples, 50);
  const met = Math.max(...samples) <= 5000 ? 'met' : 'not met';
  rows.push(`| hub consistent after reconnect: ${CHANGED} of ${APPS * OBJECTS} objects changed during the partition (${CHANGED} drift events, ${CHANGED / PER_APP} statuses queued) | one agent (link client + SQLite outbox) through a CONNECT proxy, hub SQLite in process, partition ${PARTITION_MS === 0 ? 'simulated by queuing' : `${PARTITION_MS / 1000} s`} | ${RUNS} | ${ms(p50)} | ${ms(Math.min(...samples))} – ${ms(Math.max(...samples))} | ${kib(percentile(bytes, 50))} sent (${(percentile(bytes, 50) / changedJson).toFixed(2)}× the changed statuses' ${kib(changedJson)} of JSON) | ≤ 5 s: ${met} | the first full report of ${APPS * OBJECTS} objects: ${ms(fullMs)}, ${kib(fullBytes)} (${(fullMs / p50).toFixed(0)}× the time, ${(fullBytes / percentile(bytes, 50)).toFixed(0)}× the bytes) |`);
} finally {
  await sim.close();
  await hub.stop();
  await proxy.close();
  await rm(dir, { recursive: true, force: true });
}
process.stdout.write(['| Measured | On | Runs | Median | Spread | Moved | Target | Anchor (same run) |', '| --- | --- | ---: | ---: | --- | --- | --- | --- |', ...rows].join('\n') + '\n');
