/**
 * A no-op pass over 1,000 converged applications: `POST …/refresh?wait=true` for every one (a
 * round), with the CPU time the agent process and its git children spent over the round, and
 * the agent's resident memory after it.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from './context.ts';
import type { LogEvent } from './kube-agent.ts';
import { apiRequestCounts, CpuAccount, describeRequests, requestDelta } from './kube-env.ts';
import { KubeFleet } from './kube-fleet.ts';
import { FLEET_APPS } from './kube-scale.ts';
import type { KubeShared } from './kube-shared.ts';
import { summarize } from './stats.ts';
import type { Row } from './table.ts';

/** Refreshes in flight at once during a round. */
const CONCURRENCY = 8;
const SETTLE_MS = 5000;

export async function benchKubeNoop(ctx: BenchContext, shared: KubeShared): Promise<Row[]> {
  let fleet = shared.takeFleet();
  if (fleet === undefined) {
    ctx.log('kube-noop: no converged fleet from kube-scale: converging one (untimed)');
    fleet = await KubeFleet.create(ctx, join(ctx.dir, 'kube-noop'), FLEET_APPS);
    try {
      await fleet.coldStart(ctx, 15 * 60_000);
      await fleet.verify();
    } catch (error) {
      await fleet.stop();
      throw error;
    }
  }
  const agent = fleet.agent;
  if (agent === undefined) throw new Error('kube-noop: the fleet has no agent');
  const rounds = ctx.quick ? 2 : 5;
  const perPassMs: number[] = [];
  const roundMs: number[] = [];
  const rss: number[] = [];
  const envPerRound: number[] = [];
  let gitShare = 0;
  let requests = '';
  let changed = 0;
  const machine: string[] = [];
  const stop = agent.onEvent((event: LogEvent) => {
    if (event.event === 'pass-finished' && (event.changed ?? 0) > 0) changed++;
  });
  try {
    await sleep(SETTLE_MS);
    await round(fleet.names, agent.refresh.bind(agent)); // warm-up, untimed
    for (let r = 1; r <= rounds; r++) {
      const before = agent.cpuMs();
      const envBefore = fleet.envCpu();
      const requestsBefore = await apiRequestCounts(fleet.kube);
      const account = new CpuAccount(fleet.kube, agent.pid);
      const t0 = performance.now();
      await round(fleet.names, agent.refresh.bind(agent));
      const wall = performance.now() - t0;
      machine.push(account.describe());
      const after = agent.cpuMs();
      const envAfter = fleet.envCpu();
      requests = describeRequests(requestDelta(requestsBefore, await apiRequestCounts(fleet.kube)));
      const spent = after.selfMs - before.selfMs + (after.childrenMs - before.childrenMs);
      gitShare = (after.childrenMs - before.childrenMs) / spent;
      perPassMs.push(spent / fleet.names.length);
      roundMs.push(wall);
      envPerRound.push(Object.keys(envAfter).reduce((sum, k) => sum + (envAfter[k] ?? 0) - (envBefore[k] ?? 0), 0));
      rss.push(agent.memoryMiB().rss);
      ctx.log(`kube-noop round ${r}/${rounds}: ${(spent / 1000).toFixed(1)} s CPU (${(spent / fleet.names.length).toFixed(1)} ms per pass, git ${(gitShare * 100).toFixed(0)}%), wall ${(wall / 1000).toFixed(1)} s, VmRSS ${rss.at(-1)?.toFixed(0)} MiB`);
    }
    if (changed > 0) throw new Error(`kube-noop: ${changed} passes changed something: not a no-op`);
    await sleep(3000);
    rss.push(agent.memoryMiB().rss);
  } finally {
    stop();
    await fleet.stop();
  }
  const on = `\`trueup agent\` process, ${FLEET_APPS.toLocaleString('en-US')} converged applications × 10 objects (the kube-scale fleet), ${CONCURRENCY} refreshes in flight`;
  return [{
    id: 'kube-noop-cpu',
    measured: 'No-op pass CPU (user+sys) per application: one round of `POST …/refresh?wait=true` over all 1,000, agent and git children ÷ 1,000',
    on, unit: 'ms', samples: perPassMs, spread: 'min–max', peerNote: '—',
    note: `Each sample is one round (${FLEET_APPS.toLocaleString('en-US')} passes; a warm-up round before them): /proc/PID/stat utime+stime of the agent plus cutime+cstime of its reaped children (git ls-remote), ÷ ${FLEET_APPS}. Git's share in the last round: ${(gitShare * 100).toFixed(0)}%. Every pass reported Synced and Healthy at the same commit with 0 changes. The test environment's processes spent ${summarize(envPerRound).median.toFixed(0)} ms CPU per round (median). API requests in the last round: ${requests}. CPU over each round: ${machine.join('; ')}.`,
  }, {
    id: 'kube-noop-round',
    measured: 'No-op round over all 1,000 applications, wall time',
    on: 'same', unit: 'ms', samples: roundMs, spread: 'min–max', peerNote: '—',
  }, {
    id: 'kube-noop-rss',
    measured: 'Agent VmRSS with 1,000 applications × 10 objects, after each no-op round and once more 3 s after the last',
    on: 'same', unit: 'MiB', samples: rss, spread: 'min–max',
    targets: [{ kind: 'atMost', stat: 'median', value: 150 }], peerNote: '—',
  }];
}

/** Refreshes every application once, `CONCURRENCY` at a time; each must come back Synced and Healthy. */
async function round(names: readonly string[], refresh: (name: string) => Promise<{ sync: string; health: { status: string }; revision: string; error?: unknown }>): Promise<void> {
  let next = 0;
  let revision: string | undefined;
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const name = names[next++] ?? '';
      const status = await refresh(name);
      revision ??= status.revision;
      if (status.sync !== 'Synced' || status.health.status !== 'Healthy' || status.revision !== revision) {
        throw new Error(`kube-noop: ${name} is ${status.sync}/${status.health.status} at ${status.revision}: ${JSON.stringify(status.error ?? null)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}
