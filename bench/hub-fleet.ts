/**
 * `node bench/hub-fleet.ts [--agents 500] [--apps 20] [--runs 20] [--idle-seconds 30] [--poll-interval 10s] [--commits 2] [--legacy]`:
 * the hub with a fleet linked to it. The hub runs as its own process (`trueup hub`, SQLite),
 * so its RSS and CPU are its own; the agents are simulated by this one process, which opens one
 * real link per agent with the link package's client and the agent's outbox (bench/fleet-sim.ts).
 * A real Git server (smart HTTP, `git http-backend`) serves the repositories from a process of
 * its own (bench/git-server-process.ts).
 *
 * Each agent runs `--apps` applications: app-00 … app-18 follow `config.git` main, app-19 follows
 * `edge.git` main. Measured:
 *  1. webhook → every subscribed agent has been told to start its pass (its one source-moved
 *     frame arrives on its link, ADR 30; with `--legacy` the agents do not announce it and get a
 *     refresh command per application): a push to edge.git (one application per agent) and to
 *     config.git (19 per agent); per agent, the time its last application was told;
 *  2. the hub's RSS and CPU while the fleet is linked and nothing happens;
 *  3. Git load: the hub's `ls-remote`s per poll interval (by its User-Agent in the Git server's
 *     log) and, after a commit, each agent's ls-remote and fetch (its Git cache's counts, checked
 *     against the server's log), with the time from the push to the last agent's fetch.
 * Anchors in the same run: the poll path (no webhook) measured here, Argo CD's documented
 * default 3-minute poll (the wait without webhooks: 90 s on average), and the listings the
 * agents would make polling themselves (one per agent per interval).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration, type HubInfo } from '@trueup/api';
import { GitCache } from '@trueup/git';
import { HubClient } from '@trueup/hub';
import { createServedRepo, createWorkRepo, hostManifest } from '@trueup/testkit';
import { limiter, SimAgent, type SimApp } from './fleet-sim.ts';
import { startGitServerProcess } from './git-server-process.ts';
import { percentile } from './stats.ts';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '500' },
    apps: { type: 'string', default: '20' },
    runs: { type: 'string', default: '20' },
    'idle-seconds': { type: 'string', default: '30' },
    'poll-interval': { type: 'string', default: '10s' },
    commits: { type: 'string', default: '2' },
    /** The simulated agents do not announce source-moved: the hub tells them by one command per application (before ADR 30). */
    legacy: { type: 'boolean', default: false },
  },
});
const AGENTS = Number(values.agents);
const APPS = Number(values.apps);
const RUNS = Number(values.runs);
const IDLE_S = Number(values['idle-seconds']);
const POLL_MS = parseDuration(values['poll-interval']) ?? 10_000;
const COMMITS = Number(values.commits);
const CLI = join(import.meta.dirname, '..', 'packages', 'cli', 'src', 'main.js');
const log = (message: string): void => void process.stderr.write(`[hub-fleet ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const ticks = 100;

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 600_000, everyMs = 5): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** RSS now and at peak (MiB), and CPU time so far (s), of a process, from /proc. */
function processUsage(pid: number): { rssMiB: number; peakMiB: number; cpuS: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024, cpuS: (Number(fields[11]) + Number(fields[12])) / ticks };
}

const ms = (x: number): string => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`);
const rows: string[] = [];
const row = (cells: (string | number)[]): void => void rows.push(`| ${cells.join(' | ')} |`);

const dir = await mkdtemp(join(tmpdir(), 'trueup-bench-fleet-'));
// In a process of its own: the hub's listings must not wait for this process's 500 sockets.
const git = await startGitServerProcess(join(dir, 'served'));
const work: Record<string, Awaited<ReturnType<typeof createWorkRepo>>> = {};
for (const name of ['config', 'edge']) {
  await createServedRepo(join(dir, 'served'), `${name}.git`);
  const repo = await createWorkRepo(join(dir, `work-${name}`));
  await repo.write({ 'app/f.yaml': hostManifest('File', 'motd', { path: '/motd', content: `${name} 0\n` }) });
  await repo.commit('initial');
  await repo.push(git.url(`${name}.git`));
  work[name] = repo;
}
const hubDir = join(dir, 'hub');
const hubProcess = spawn(process.execPath, [...(process.env.HUB_NODE_FLAGS ?? '').split(' ').filter((f) => f !== ''), ...(process.env.HUB_CPU_PROF === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${process.env.HUB_CPU_PROF}`]), CLI, 'hub', '--data-dir', hubDir, '--listen', '127.0.0.1:0', '--poll-interval', values['poll-interval']], { stdio: ['ignore', 'ignore', 'pipe'] });
let hubErr = '';
hubProcess.stderr.on("data", (chunk: Buffer) => { hubErr += chunk.toString(); if (process.env.HUB_TRACE !== undefined) process.stderr.write(chunk); });
hubProcess.once('exit', (code, signal) => log(`hub exited: code ${String(code)}, signal ${String(signal)}`));
const sims: SimAgent[] = [];
try {
  const info = await until('hub.json', () => (existsSync(join(hubDir, 'hub.json')) ? JSON.parse(readFileSync(join(hubDir, 'hub.json'), 'utf8')) as HubInfo : undefined), 60_000, 100);
  const pid = hubProcess.pid ?? 0;
  const ca = await readFile(info.caCertFile, 'utf8');
  const admin = new HubClient({ url: info.url, token: (await readFile(info.adminTokenFile, 'utf8')).trim(), ca });
  const webhook = new HubClient({ url: info.url, token: (await readFile(info.webhookSecretFile ?? '', 'utf8')).trim(), ca });
  const afterStart = processUsage(pid);
  log(`hub pid ${pid} at ${info.url}: RSS ${afterStart.rssMiB.toFixed(0)} MiB`);

  // The fleet joins (one join token each) and links.
  const heads = { config: await work.config?.git('rev-parse', 'main'), edge: await work.edge?.git('rev-parse', 'main') };
  const apps = (n: number): SimApp[] => Array.from({ length: APPS }, (_, i) => {
    const repo = i === APPS - 1 ? 'edge' : 'config';
    return { name: `app-${String(i).padStart(2, '0')}`, repoURL: git.url(`${repo}.git`), ref: 'main', ...(heads[repo] === undefined ? {} : { revision: heads[repo] }) };
  }).slice(0, n);
  const joinLimit = limiter(8);
  const joinStarted = performance.now();
  const credentials = await Promise.all(Array.from({ length: AGENTS }, (_, i) => joinLimit(async () => {
    const sim = new SimAgent({ environment: `env-${String(i).padStart(3, '0')}`, dir: join(dir, 'agents', String(i)), apps: apps(APPS), resources: 5, sourceMoved: !values.legacy });
    await mkdir(join(dir, 'agents', String(i)), { recursive: true });
    sims.push(sim);
    return { sim, credential: await sim.join(admin) };
  })));
  log(`${AGENTS} agents joined in ${ms(performance.now() - joinStarted)}`);
  let onReceive: ((sim: SimAgent) => void) | undefined;
  const linkStarted = performance.now();
  for (const { sim, credential } of credentials) sim.connect(credential, (s) => onReceive?.(s));
  await until('every link streaming', () => (sims.every((s) => s.streaming) ? true : undefined), 600_000, 50);
  const linkedMs = performance.now() - linkStarted;
  const total = await until('every application at the hub', async () => {
    const page = await admin.get<{ total: number }>('/api/v1/applications?limit=1');
    return page.total === AGENTS * APPS ? page.total : undefined;
  }, 600_000, 250);
  const reportedMs = performance.now() - linkStarted;
  log(`${AGENTS} links streaming after ${ms(linkedMs)}; ${total} applications at the hub after ${ms(reportedMs)}`);
  row([`${AGENTS} agents link and report ${total} applications (5 objects each)`, `from the first dial to the last status stored`, 1, ms(reportedMs), '', '', '', 'no target', 'first links ' + ms(linkedMs)]);

  // Idle: linked, heartbeats flowing, the hub's poll every interval, nothing changing.
  await sleep(5000);
  const idleFrom = processUsage(pid);
  const idleStart = performance.now();
  await sleep(IDLE_S * 1000);
  const idleTo = processUsage(pid);
  const idleCpu = (idleTo.cpuS - idleFrom.cpuS) / ((performance.now() - idleStart) / 1000);
  log(`idle: CPU ${(idleCpu * 100).toFixed(2)} % of a core, RSS ${idleTo.rssMiB.toFixed(0)} MiB`);

  // Webhook → every subscribed agent told.
  const fanOut = async (repo: 'edge' | 'config', perAgent: number): Promise<{ agentMs: number[]; postMs: number }> => {
    const agentMs: number[] = [];
    const counts = new Map<SimAgent, number>();
    let t0 = 0;
    const done = new Promise<void>((resolve) => {
      onReceive = (sim) => {
        const n = (counts.get(sim) ?? 0) + 1;
        counts.set(sim, n);
        if (n === perAgent) agentMs.push(performance.now() - t0);
        if (agentMs.length === AGENTS) resolve();
      };
    });
    t0 = performance.now();
    const push = { repoURL: git.url(`${repo}.git`), ref: 'refs/heads/main' };
    try {
      await webhook.post('/api/v1/webhooks/git', push);
    } catch (error) {
      // A kept-alive connection the hub closed as this request left is reset: sent again on a new one.
      if (!String(error).includes('ECONNRESET')) throw error;
      log('webhook POST reset on a kept-alive connection: sent again');
      await webhook.post('/api/v1/webhooks/git', push);
    }
    const postMs = performance.now() - t0;
    await Promise.race([done, sleep(120_000).then(() => { throw new Error(`only ${agentMs.length} of ${AGENTS} agents told within 120 s`); })]);
    onReceive = undefined;
    return { agentMs, postMs };
  };
  for (const [repo, perAgent] of [['edge', 1], ['config', APPS - 1]] as const) {
    const all: number[] = [];
    const posts: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const { agentMs, postMs } = await fanOut(repo, perAgent);
      all.push(...agentMs);
      posts.push(postMs);
      await sleep(perAgent > 1 ? 3000 : 1000); // the agents' answers are stored before the next push
    }
    const p50 = percentile(all, 50);
    const p99 = percentile(all, 99);
    const met = p50 <= 100 && p99 <= 500 ? 'met' : 'not met';
    row([`webhook → every subscribed agent told to start its pass (${repo}.git: ${perAgent} application(s) per agent, ${values.legacy ? `${AGENTS * perAgent} commands` : `${AGENTS} source-moved frames`})`, `${AGENTS} agents × ${APPS} applications linked, hub SQLite`, `${RUNS} pushes × ${AGENTS} agents`, ms(p50), `${ms(percentile(all, 10))} – ${ms(percentile(all, 90))} (p10–p90)`, ms(p99), `POST answered ${ms(percentile(posts, 50))}`, `p50 ≤ 100 ms, p99 ≤ 500 ms: ${met}`, `Argo CD's 3 min default poll (90 s average wait): ${(90_000 / p50).toFixed(0)}× faster`]);
    log(`${repo}: p50 ${ms(p50)} p99 ${ms(p99)}`);
  }
  const afterWebhooks = processUsage(pid);

  // Git load: the hub's listings per interval, then commits found by the poll and fetched by every agent.
  const hubListings = (name: string): number => git.log.filter((r) => r.method === 'GET' && r.url.startsWith(`/${name}.git/info/refs`) && r.userAgent === 'trueup-hub-poll').length;
  const agentInfoRefs = (name: string): number => git.log.filter((r) => r.method === 'GET' && r.url.startsWith(`/${name}.git/info/refs`) && r.userAgent !== 'trueup-hub-poll').length;
  const gitLimit = limiter(16);
  for (const sim of sims) sim.git = { cache: new GitCache({ dir: join(dir, 'agents', sim.environment, 'git') }), limit: gitLimit };
  const intervals = 3;
  const before = { config: hubListings('config'), edge: hubListings('edge') };
  await sleep(intervals * POLL_MS);
  const listingsPerInterval = { config: (hubListings('config') - before.config) / intervals, edge: (hubListings('edge') - before.edge) / intervals };
  row([`Git load, idle: the hub's \`ls-remote\`s per poll interval (${values['poll-interval']}), per repository`, `${AGENTS} agents on config.git (19 applications each) and edge.git (1 each); the Git server's log, by User-Agent`, `${intervals} intervals`, `config.git ${listingsPerInterval.config.toFixed(2)}, edge.git ${listingsPerInterval.edge.toFixed(2)}`, '', '', '', `1 per interval: ${listingsPerInterval.config === 1 && listingsPerInterval.edge === 1 ? 'met' : 'not met'}`, `agents polling themselves: ${AGENTS} per repository per interval (${AGENTS}×)`]);
  const pollPath: number[] = [];
  for (let commit = 1; commit <= COMMITS; commit++) {
    const stats0 = sims.map((s) => ({ ...s.git?.cache.stats }));
    const infoRefs0 = agentInfoRefs('edge');
    const listed0 = hubListings('edge');
    await work.edge?.write({ 'app/f.yaml': hostManifest('File', 'motd', { path: '/motd', content: `edge ${commit}\n` }) });
    await work.edge?.commit(`edge ${commit}`);
    const pushedAt = performance.now();
    await work.edge?.git('push', '--quiet', git.url('edge.git'), 'main');
    // Each agent's ls-remote and fetch are two git processes here (16 at a time): allow a second per agent.
    await until('every agent fetched the commit', () => (sims.every((s, i) => (s.git?.cache.stats.fetch ?? 0) > (stats0[i]?.fetch ?? 0)) ? true : undefined), POLL_MS + 120_000 + 1000 * AGENTS, 20);
    pollPath.push(performance.now() - pushedAt);
    await sleep(2000);
    const fetches = sims.map((s, i) => (s.git?.cache.stats.fetch ?? 0) - (stats0[i]?.fetch ?? 0));
    const lsRemotes = sims.map((s, i) => (s.git?.cache.stats.lsRemote ?? 0) - (stats0[i]?.lsRemote ?? 0));
    const serverRequests = agentInfoRefs('edge') - infoRefs0;
    row([`Git load, commit ${commit} on edge.git found by the hub's poll: fetches and ls-remotes per agent`, `${AGENTS} agents; the agents' Git caches, and the Git server's log (info/refs requests not from the hub)`, `${AGENTS} agents`, `fetch ${Math.min(...fetches)}–${Math.max(...fetches)}, ls-remote ${Math.min(...lsRemotes)}–${Math.max(...lsRemotes)} per agent`, `server: ${serverRequests} info/refs from agents (${(serverRequests / AGENTS).toFixed(2)} per agent), ${hubListings('edge') - listed0} from the hub`, '', '', `1 fetch per agent per commit: ${fetches.every((f) => f === 1) ? 'met' : 'not met'}`, '']);
  }
  const pollMedian = pollPath.length === 0 ? Number.NaN : percentile(pollPath, 50);
  if (pollPath.length > 0) row([`push → every agent fetched it, without a webhook (the hub's poll, interval ${values['poll-interval']})`, `${AGENTS} agents, 16 fetches at a time in this process`, COMMITS, ms(pollMedian), `${ms(Math.min(...pollPath))} – ${ms(Math.max(...pollPath))}`, '', '', 'no target', `Argo CD's 3 min default poll: 90 s average wait (${(90_000 / pollMedian).toFixed(1)}×)`]);
  const end = processUsage(pid);
  row([`the hub's RSS with ${AGENTS} agents × ${APPS} applications linked`, 'hub process, /proc VmRSS (after start / idle / after the webhooks / end) and peak (VmHWM)', 1, `${idleTo.rssMiB.toFixed(0)} MiB idle`, `${afterStart.rssMiB.toFixed(0)} / ${idleTo.rssMiB.toFixed(0)} / ${afterWebhooks.rssMiB.toFixed(0)} / ${end.rssMiB.toFixed(0)} MiB`, '', `peak ${end.peakMiB.toFixed(0)} MiB`, `≤ 300 MiB: ${end.peakMiB <= 300 ? 'met' : idleTo.rssMiB <= 300 ? 'met idle, peak above' : 'not met'}`, '']);
  row([`the hub's CPU while idle with ${AGENTS} links (heartbeats every 15 s, its poll every ${values['poll-interval']})`, `hub process, /proc utime+stime over ${IDLE_S} s`, 1, `${(idleCpu * 100).toFixed(2)} % of a core`, '', '', '', `≤ 5 %: ${idleCpu <= 0.05 ? 'met' : 'not met'}`, '']);
} catch (error) {
  log(`failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\nhub stderr:\n${hubErr.slice(-2000)}`);
  process.exitCode = 1;
} finally {
  log('stopping');
  await Promise.all(sims.map((s) => s.close().catch(() => undefined)));
  hubProcess.kill('SIGTERM');
  await new Promise((resolve) => hubProcess.once('exit', resolve));
  log('hub stopped');
  await git.close();
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
}
process.stdout.write([`load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`, '', '| Measured | On | Samples | Median | Spread | p99 | Other | Target | Anchor (same run) |', '| --- | --- | ---: | ---: | --- | ---: | --- | --- | --- |', ...rows].join('\n') + '\n');
