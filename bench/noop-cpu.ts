/**
 * CPU time of a no-op pass on a converged host: inside the running agent (what it spends every
 * interval), as a whole `trueup sync` process, and as a whole second `ansible-pull` run (what
 * cron runs every interval). Also the peak RSS of ansible-pull's largest process.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startAgent } from '@trueup/agent';
import { AgentEvents } from './agent-events.ts';
import type { BenchContext } from './context.ts';
import { runAnsiblePull, runTrueupSync } from './first-converge.ts';
import type { MeasuredRun } from './measured-run.ts';
import { cpuSpentMs, cpuTimeNow } from './process-cpu.ts';
import { SIDE_BY_SIDE_FILES, SIDE_BY_SIDE_SERVICES, type Host, type SideBySideRepo } from './side-by-side-repo.ts';
import { summarize } from './stats.ts';
import type { Row } from './table.ts';

const ON = `converged host, ${SIDE_BY_SIDE_FILES} files + ${SIDE_BY_SIDE_SERVICES} services, same repo`;

export async function benchNoopCpu(ctx: BenchContext, sbs: SideBySideRepo, ansiblePull: string, ansibleHost: Host): Promise<Row[]> {
  const runs = ctx.quick ? 1 : 3;
  const ansible: MeasuredRun[] = [];
  const onlyIfChanged: MeasuredRun[] = [];
  for (let i = 0; i < runs; i++) {
    ansible.push(await runAnsiblePull(ansiblePull, sbs, ansibleHost, { expectNoChange: true }));
    ctx.log(`no-op ansible-pull ${i + 1}/${runs}: ${ansible.at(-1)?.cpuMs.toFixed(0)} ms CPU, ${ansible.at(-1)?.wallMs.toFixed(0)} ms wall`);
  }
  for (let i = 0; i < runs; i++) onlyIfChanged.push(await runAnsiblePull(ansiblePull, sbs, ansibleHost, { onlyIfChanged: true }));
  if ((await sbs.servicePids(ansibleHost)).includes('')) throw new Error('ansible-pull no-op: a service pid file is missing');
  await sbs.verify(ansibleHost);
  await sbs.stopServices(ansibleHost);

  const cliRuns = ctx.quick ? 2 : 5;
  const cliHost = await sbs.newHost('trueup-noop');
  await runTrueupSync(ctx, cliHost);
  await sbs.verify(cliHost);
  // Warm-up, untimed: the services now answer, so this pass (and every later one) is a no-op.
  await runTrueupSync(ctx, cliHost);
  const cli: MeasuredRun[] = [];
  const pids = (await sbs.servicePids(cliHost)).join(' ');
  for (let i = 0; i < cliRuns; i++) {
    const run = await runTrueupSync(ctx, cliHost);
    if ((await sbs.servicePids(cliHost)).join(' ') !== pids) throw new Error('no-op trueup sync restarted a service');
    cli.push(run);
    ctx.log(`no-op trueup sync ${i + 1}/${cliRuns}: ${run.cpuMs.toFixed(0)} ms CPU, ${run.wallMs.toFixed(0)} ms wall`);
  }
  await sbs.stopServices(cliHost);

  const agent = await agentNoop(ctx, sbs, ctx.quick ? { samples: 5, perSample: 4 } : { samples: 20, perSample: 10 });

  const wall = (r: readonly number[]): string => `${(summarize(r).median / 1000).toFixed(2)} s`;
  return [{
    id: 'noop-agent',
    measured: 'No-op pass CPU (user+sys) inside the running agent: `agent.refresh` with nothing changed (ls-remote, observe, diff)',
    on: `${ON}; agent in-process`, unit: 'ms', samples: agent.cpu, spread: 'p10–p90',
    targets: [{ kind: 'peerRatioAtLeast', value: 100 }], peer: 'noop-ansible',
    note: `Each sample is the mean of ${agent.perSample} consecutive refreshes: process.cpuUsage() plus reaped children (git) from /proc/self/stat cutime+cstime, whose 10 ms ticks are too coarse for one pass. Wall time per refresh: median ${summarize(agent.wall).median.toFixed(1)} ms.`,
  }, {
    id: 'noop-cli',
    measured: 'No-op `trueup sync` CPU (user+sys), whole process on an already converged root',
    on: ON, unit: 'ms', samples: cli.map((r) => r.cpuMs), spread: 'min–max',
    targets: [{ kind: 'peerRatioAtLeast', value: 100 }], peer: 'noop-ansible',
    note: `getrusage(RUSAGE_CHILDREN) around the process (Node.js start-up, loading the TypeScript sources, the SQLite state, git included). Wall median ${wall(cli.map((r) => r.wallMs))}. Compile cache as installed. Exit codes: ${cli.map((r) => r.code).join(', ')}; the services kept their pids (nothing restarted).`,
  }, {
    id: 'noop-ansible',
    measured: 'No-op second `ansible-pull` CPU (user+sys), whole process on the converged host (git pull + playbook)',
    on: ON, unit: 'ms', samples: ansible.map((r) => r.cpuMs), spread: 'min–max',
    peerNote: 'peer',
    note: `Wall median ${wall(ansible.map((r) => r.wallMs))}. With \`--only-if-changed\` (skips the playbook when Git is unchanged, so it checks no drift: not equivalent to a Trueup pass) ansible-pull took CPU median ${wall(onlyIfChanged.map((r) => r.cpuMs))}, wall ${wall(onlyIfChanged.map((r) => r.wallMs))}.`,
  }, {
    id: 'rss-ansible',
    measured: 'Peak RSS of ansible-pull\'s largest process during a no-op run (ru_maxrss; not resident between runs)',
    on: ON, unit: 'MiB', samples: ansible.map((r) => r.maxRssMiB), spread: 'min–max',
    peerNote: 'peer (of the agent RSS rows)',
  }];
}

async function agentNoop(ctx: BenchContext, sbs: SideBySideRepo, options: { samples: number; perSample: number }): Promise<{ cpu: number[]; wall: number[]; perSample: number }> {
  const host = await sbs.newHost('agent-noop');
  const events = new AgentEvents();
  const agent = await startAgent({ stateDir: host.stateDir, paths: [host.appFile], onEvent: events.listener });
  const cpu: number[] = [];
  const wall: number[] = [];
  try {
    await events.first((e) => e.type === 'pass-finished', 120_000);
    await sbs.verify(host);
    // Health checks run on their own interval: wait until a pass reports the services Healthy.
    const deadline = Date.now() + 60_000;
    while ((await agent.refresh('fleet'))?.health.status !== 'Healthy') {
      if (Date.now() > deadline) throw new Error('agent no-op: services not Healthy within 60 s');
      await sleep(250);
    }
    for (let i = 0; i < 3; i++) await refresh();
    for (let s = 0; s < options.samples; s++) {
      const before = cpuTimeNow();
      for (let k = 0; k < options.perSample; k++) {
        const t0 = performance.now();
        await refresh();
        wall.push(performance.now() - t0);
      }
      cpu.push(cpuSpentMs(before, cpuTimeNow()) / options.perSample);
      ctx.log(`no-op agent refresh sample ${s + 1}/${options.samples}: ${(cpu.at(-1) ?? 0).toFixed(2)} ms CPU per pass`);
    }
  } finally {
    await agent.stop({ stopServices: true });
    await sbs.stopServices(host);
  }
  return { cpu, wall, perSample: options.perSample };

  async function refresh(): Promise<void> {
    const finished = events.next((e) => e.type === 'pass-finished');
    const status = await agent.refresh('fleet');
    const event = await finished;
    if (status?.sync !== 'Synced' || status.health.status !== 'Healthy' || (event.type === 'pass-finished' && event.changed !== 0)) {
      throw new Error(`no-op refresh was not a no-op: ${JSON.stringify({ sync: status?.sync, health: status?.health, changed: event.type === 'pass-finished' ? event.changed : undefined })}`);
    }
  }
}
