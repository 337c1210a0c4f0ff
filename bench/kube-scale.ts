/**
 * 1,000 applications × 10 objects, cold: a fresh test environment per run, every object still to
 * be created, and the time from starting the `trueup agent` process until every application
 * reports Synced and Healthy. Flux's published figure is shown for context, not measured here.
 */
import { join } from 'node:path';
import type { BenchContext } from './context.ts';
import { describeRequests } from './kube-env.ts';
import { fleetMix, KubeFleet, type ColdStart } from './kube-fleet.ts';
import type { KubeShared } from './kube-shared.ts';
import { summarize } from './stats.ts';
import type { Row } from './table.ts';

export const FLEET_APPS = 1000;
const COLD_TIMEOUT_MS = 15 * 60_000;
/** Flux's published benchmark: 1,000 Kustomizations reconciled in 4m13s on 16 cores. */
const FLUX_PUBLISHED_MS = 4 * 60_000 + 13_000;

export async function benchKubeScale(ctx: BenchContext, shared: KubeShared): Promise<Row[]> {
  const runs = ctx.quick ? 1 : 3;
  const cold: ColdStart[] = [];
  const checks: string[] = [];
  for (let run = 1; run <= runs; run++) {
    const fleet = await KubeFleet.create(ctx, join(ctx.dir, `kube-scale-${run}`), FLEET_APPS);
    try {
      cold.push(await fleet.coldStart(ctx, COLD_TIMEOUT_MS));
      checks.push(await fleet.verify());
    } catch (error) {
      await fleet.stop();
      throw error;
    }
    const c = cold.at(-1);
    ctx.log(`kube-scale ${run}/${runs}: all Synced ${sec(c?.syncedMs)}, Synced and Healthy ${sec(c?.healthyMs)}; agent CPU ${sec((c?.agentCpu.selfMs ?? 0) + (c?.agentCpu.childrenMs ?? 0))}, VmHWM ${c?.agentHwmMiB.toFixed(0)} MiB`);
    // The last fleet stays up, converged, for kube-noop.
    await shared.keepFleet(fleet);
  }
  const median = summarize(cold.map((c) => c.healthyMs)).median;
  const on = `\`trueup agent\` process, ${FLEET_APPS.toLocaleString('en-US')} applications in 1 file:// repository, a namespace each (CreateNamespace=true); fresh test environment per run, on the same 2 cores`;
  const last = cold.at(-1);
  const envCpu = (c: ColdStart): string => Object.entries(c.envCpuMs).map(([name, ms]) => `${name} ${sec(ms)}`).join(', ');
  return [{
    id: 'kube-scale-healthy',
    measured: `1,000 applications × 10 objects, cold: agent start until every application reports Synced and Healthy`,
    on, unit: 'ms', samples: cold.map((c) => c.healthyMs), spread: 'min–max',
    targets: [{ kind: 'atMost', stat: 'median', value: 60_000 }],
    peerNote: `Flux, published, not run here: 1,000 Kustomizations in 4m13s on 16 cores; 253 s ÷ this = ${(FLUX_PUBLISHED_MS / median).toFixed(1)}×`,
    note: `Objects: ${fleetMix(FLEET_APPS)}, plus per application its Namespace and inventory ConfigMap. Services are headless because the test environment's service range is a /24. From the spawn of \`trueup agent --state-dir D --listen 127.0.0.1:0 --log-format json applications/\` (Node.js start and loading 1,000 Application files included) until the last application is Synced and Healthy, seen by ${last?.healthySeenBy ?? '?'}. The agent ran with the CLI's Node.js flags \`${last?.nodeFlags ?? '?'}\`. Failed passes: ${cold.map((c) => c.failedPasses).join(', ')}. CPU over each run: ${cold.map((c, i) => `run ${i + 1} ${sec(c.healthyMs)}: ${c.machine}`).join('; ')}. Every run verified afterwards: ${checks.at(-1) ?? ''}. The test environment's CPU over the last run: ${last === undefined ? '' : envCpu(last)}. API requests over the last run (apiserver_request_total): ${last === undefined ? '' : describeRequests(last.requests, 10)}.`,
  }, {
    id: 'kube-scale-synced',
    measured: '1,000 applications × 10 objects, cold: agent start until every application reports Synced (Deployments may still roll out)',
    on: 'same', unit: 'ms', samples: cold.map((c) => c.syncedMs), spread: 'min–max', peerNote: '—',
  }, {
    id: 'kube-scale-cpu',
    measured: '1,000 applications, cold: CPU (user+sys) of the agent process and its git children over the cold start',
    on: 'same', unit: 'ms', samples: cold.map((c) => c.agentCpu.selfMs + c.agentCpu.childrenMs), spread: 'min–max', peerNote: '—',
    note: `From /proc/PID/stat (utime+stime, and cutime+cstime of reaped children: git). The agent itself: ${cold.map((c) => sec(c.agentCpu.selfMs)).join(', ')}; git: ${cold.map((c) => sec(c.agentCpu.childrenMs)).join(', ')}.`,
  }, {
    id: 'kube-scale-hwm',
    measured: '1,000 applications, cold: agent VmHWM (peak RSS since start)',
    on: 'same', unit: 'MiB', samples: cold.map((c) => c.agentHwmMiB), spread: 'min–max', peerNote: '—',
  }];
}

function sec(ms: number | undefined): string {
  return ms === undefined ? '?' : `${(ms / 1000).toFixed(1)} s`;
}
